import FleetdeckTestSupport
import Foundation
import Testing

/// The built console in a real terminal: tmux runs it, send-keys types, capture-pane reads.
@Suite(.serialized) struct ConsoleInTmuxTests {
    func startDemo(_ pane: TmuxPane, _ extra: String = "", environment: String = "") throws {
        try Harness.requireBinary()
        try pane.type("\(environment) FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario bank \(extra)")
        try pane.press("Enter")
        try pane.waitFor(text: "Nodes (16)")
    }

    func expectRestored(_ pane: TmuxPane) throws {
        try pane.waitFor("the shell prompt back", timeout: 15) { screen in
            !screen.contains("Nodes (16)") && screen.contains("$ ")
        }
        #expect(try pane.format("#{alternate_on}") == "0")
        #expect(try pane.format("#{cursor_flag}") == "1")
        #expect(try pane.childPID() == nil)
    }

    /// The command line, completion, the filter's field terms, a rebound key and a theme
    /// switched while running, in a real terminal.
    @Test func theCommandLineAndARebindingDriveTheConsole() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-cmd-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "keys:\n  scale-up: \"=\"\naliases:\n  green: pool chat-70b-green\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 160, height: 45)
        try startDemo(pane, "--config \(dir)/c.yaml --audit-log \(dir)/audit.jsonl", environment: "XDG_STATE_HOME=\(dir)/state")
        #expect(try pane.screen().contains("= scale+"))
        // Ctrl-S reaches the console (flow control is off) and writes the node table.
        try pane.press("C-s")
        try pane.waitFor(text: "nodes: 16 rows written to \(dir)/state/fleetdeck/exports/nodes-")
        let exports = try FileManager.default.contentsOfDirectory(atPath: dir + "/state/fleetdeck/exports")
        let csv = try String(contentsOfFile: dir + "/state/fleetdeck/exports/" + (exports.first ?? ""), encoding: .utf8)
        #expect(csv.hasPrefix("node,pool,state") && csv.contains("chat-70b-blue-01,chat-70b-blue,"))
        // Tab completes the command, then the pool.
        try pane.type(":sc")
        try pane.press("Tab")
        try pane.waitFor(text: "scale  scheduler")           // two candidates listed
        try pane.type("a")
        try pane.press("Tab")
        try pane.type("chat-70b-g")
        try pane.press("Tab")
        try pane.waitFor(text: ":scale chat-70b-green ")
        try pane.type("+2")
        try pane.press("Enter")
        try pane.waitFor(text: "from 2 to 4 replicas")
        try pane.type("n")
        // The alias: the green pool's detail, its nodes only.
        try pane.type(":green")
        try pane.press("Enter")
        try pane.waitFor("the green pool's detail") { $0.contains("what happened to chat-70b-green") && $0.contains("chat-70b-green-02") }
        // The rebound key opens the dialog; + no longer does.
        try pane.type("=")
        try pane.waitFor(text: "Confirm: scale chat-70b-green")
        try pane.type("n")
        try pane.waitFor("the dialog gone") { !$0.contains("Confirm:") }
        try pane.type("+")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!(try pane.screen().contains("Confirm:")))
        // A field term and a regex in the Nodes screen's filter.
        try pane.type(":nodes")
        try pane.press("Enter")
        try pane.type(":filter pool:blue re:-0[1-2]$")
        try pane.press("Enter")
        try pane.waitFor("blue-01 and blue-02 only") {
            $0.contains("chat-70b-blue-02") && !$0.contains("chat-70b-blue-03") && !$0.contains("chat-70b-green-01")
        }
        // A theme switched now: monochrome draws without colours.
        try pane.type(":theme monochrome")
        try pane.press("Enter")
        try pane.waitFor("no colour left") { _ in
            (try? pane.screenWithEscapes()).map { !$0.contains("\u{1B}[38;5;") } ?? false
        }
        try pane.type(":nope")
        try pane.press("Enter")
        try pane.waitFor(text: ":nope: unknown command (:help lists them)")
        try pane.type(":q")
        try pane.press("Enter")
        try expectRestored(pane)
    }

    /// A command of the operator's own (`commands:`) on the selected node: its key, the
    /// dialog with the exact argv, the run, the events log and the audit.
    @Test func aUserCommandRunsOnTheSelectedNode() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-usercmd-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/note.sh"
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(dir)/argv.txt\necho noted $1\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try """
            commands:
              note:
                description: note the node
                scope: node
                argv: ["\(script)", "{node}", "--pool={pool}"]
                key: N
                dangerous: false
            """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 160, height: 45)
        try startDemo(pane, "--config \(dir)/c.yaml --audit-log \(dir)/audit.jsonl --read-only")
        try pane.type("N")
        try pane.waitFor(text: "Confirm: note chat-70b-blue-01")
        try pane.waitFor(text: "--pool=chat-70b-blue")
        try pane.type("y")
        try pane.waitFor("the outcome in the events log") { $0.contains("note on chat-70b-blue-01: ok") }
        let argv = try String(contentsOfFile: dir + "/argv.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(argv == ["chat-70b-blue-01", "--pool=chat-70b-blue"])
        try pane.type("q")
        try expectRestored(pane)
        let audit = try Harness.fleetdeck(["audit", dir + "/audit.jsonl"])
        #expect(audit.stdout.contains("command") && audit.stdout.contains("noted chat-70b-blue-01"), "\(audit.stdout)")
    }

    /// The screen, sort, filter and `:` history come back for the same fleet; a broken state
    /// file is said and set aside, and the console runs.
    @Test func theViewIsRememberedPerFleet() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-views-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pane = try TmuxPane(width: 160, height: 45)
        try startDemo(pane, environment: "XDG_STATE_HOME=\(dir)")
        try pane.type(":filter green")
        try pane.press("Enter")
        try pane.type(":nodes")
        try pane.press("Enter")
        try pane.waitFor(text: "/green: 2 of 16")
        try pane.type("q")
        try expectRestored(pane)
        /// The same fleet again, on a cleared pane.
        func reopen() throws {
            try pane.type("clear")
            try pane.press("Enter")
            try pane.type("XDG_STATE_HOME=\(dir) FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario bank")
            try pane.press("Enter")
        }
        try reopen()
        try pane.waitFor(text: "/green: 2 of 16")
        #expect(try pane.screen().contains("[2 Nodes]"))
        try pane.type(":")
        try pane.press("Up")
        try pane.waitFor(text: ":nodes")
        try pane.press("Escape")
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("Nodes (16)") }
        // A broken file: said on the bottom row, the console opens fresh, and the file is
        // written anew at the end.
        try "{\"demo:bank\": 12".write(toFile: dir + "/fleetdeck/views.json", atomically: true, encoding: .utf8)
        try reopen()
        try pane.waitFor(text: "not a views file")
        #expect(try pane.screen().contains("[1 Overview]"))
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("Nodes (16)") }
        let written = try String(contentsOfFile: dir + "/fleetdeck/views.json", encoding: .utf8)
        #expect(written.contains("\"demo:bank\""))
    }

    @Test func theOverviewShowsTheFleetAndTheKeysWork() throws {
        let pane = try TmuxPane(width: 120, height: 40)
        try startDemo(pane)
        let screen = try pane.screen()
        for panel in ["Queues (waiting)", "Cache hit rates", "Latency vs SLO", "Cost", "Events", "fleetdeck sim bank"] {
            #expect(screen.contains(panel), "\(panel)")
        }
        for n in 1...14 { #expect(screen.contains(String(format: "chat-70b-blue-%02d", n))) }
        #expect(screen.contains("chat-70b-green-01") && screen.contains("chat-70b-green-02"))
        // The dark theme's colours reach the terminal, quantised to the 256-colour palette.
        #expect(try pane.screenWithEscapes().contains("\u{1B}[38;5;"))

        try pane.type("?")
        let help = try pane.waitFor(text: "pause the display; data keeps flowing")
        #expect(help.contains("Keys") && help.contains("cycle the sort column"))
        try pane.type("x")
        try pane.waitFor("help closed") { !$0.contains("pause the display; data keeps flowing") }

        try pane.press("Enter")
        let detail = try pane.waitFor(text: "GPU7")
        #expect(detail.contains("UTILISATION") && detail.contains("A100-80GB") && detail.contains("GPU util"))
        try pane.press("Escape")
        try pane.waitFor(text: "Queues (waiting)")

        try pane.type("/green")
        try pane.press("Enter")
        let filtered = try pane.waitFor(text: "/green: 2 of 16")
        #expect(filtered.contains("chat-70b-green-01"))
        #expect(!filtered.contains("chat-70b-blue-01"))
        try pane.press("Escape")
        try pane.waitFor(text: "chat-70b-blue-01")

        try pane.type("2")
        try pane.waitFor(text: "PROMPT/S")
        try pane.press("Tab")
        try pane.waitFor(text: "Pools (2)")
        try pane.type("1")
        try pane.waitFor(text: "Queues (waiting)")

        try pane.resize(width: 70, height: 20)
        try pane.waitFor(text: "terminal too small: 70x20")
        try pane.resize(width: 120, height: 40)
        try pane.waitFor(text: "Nodes (16)")

        try pane.type("q")
        try expectRestored(pane)
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let pane = try TmuxPane(width: 100, height: 30)
        try startDemo(pane)
        let pid = try #require(try pane.childPID())
        kill(pid, SIGTERM)
        try expectRestored(pane)
    }

    @Test func ctrlCRestoresTheTerminal() throws {
        let pane = try TmuxPane(width: 100, height: 30)
        try startDemo(pane, "--ascii --theme monochrome")
        #expect(!(try pane.screen()).contains("│"))
        let styled = try pane.screenWithEscapes()
        #expect(!styled.contains("38;5;") && !styled.contains("48;5;"))   // monochrome: attributes only
        #expect(styled.contains("\u{1B}[7m"))                             // reverse video for the header
        try pane.press("C-c")
        try expectRestored(pane)
    }
}

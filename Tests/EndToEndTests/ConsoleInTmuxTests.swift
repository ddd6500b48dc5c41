import FleetdeckTestSupport
import Foundation
import Testing

/// The built console in a real terminal: tmux runs it, send-keys types, capture-pane reads.
@Suite(.serialized) struct ConsoleInTmuxTests {
    func startDemo(_ pane: TmuxPane, _ extra: String = "") throws {
        try Harness.requireBinary()
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario bank \(extra)")
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

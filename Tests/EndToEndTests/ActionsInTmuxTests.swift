import FleetdeckTestSupport
import Foundation
import Testing

/// Actions from the keyboard on the embedded fleet: confirm, cancel, read-only, the audit.
@Suite(.serialized) struct ActionsInTmuxTests {
    @Test func plusThenYScalesAndAudits() throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-act-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let audit = dir + "/audit.jsonl"
        let pane = try TmuxPane(width: 150, height: 45)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario edge --warmup 10 --speed 10 --audit-log \(audit)")
        try pane.press("Enter")
        try pane.waitFor(text: "edge-devices-01")
        try pane.type("+")
        try pane.waitFor(text: "Confirm: scale edge-devices")
        try pane.type("n")                      // anything but y cancels
        try pane.waitFor("the dialog gone") { !$0.contains("Confirm: scale") }
        try pane.type("+")
        try pane.waitFor(text: "from 12 to 13 replicas")
        try pane.type("+")                      // in the dialog, + raises the count
        try pane.waitFor(text: "from 12 to 14 replicas")
        try pane.type("y")
        try pane.waitFor("the outcome in the events log") { $0.contains("audited") }
        // The cold start (~32 s of simulated time at 10x), then the new replicas serve.
        try pane.type("2")
        try pane.waitFor("edge-devices-14 up", timeout: 30) { s in
            s.split(separator: "\n").contains { $0.contains("edge-devices-14") && $0.contains(" up ") }
        }
        try pane.type("6")
        try pane.waitFor("the audit screen") { $0.contains("Audit (1)") && $0.contains("delta=2") }
        // kill -9 right after the outcome is shown: the record is already synced.
        let pid = try #require(try pane.childPID())
        kill(pid, SIGKILL)
        let r = try Harness.fleetdeck(["audit", audit])
        #expect(r.status == 0)
        let rows = r.stdout.split(separator: "\n").filter { $0.contains("edge-devices") }
        #expect(rows.count == 1, "\(r.stdout)")      // the cancelled one is not there
        #expect(rows.first?.contains("scale") == true && rows.first?.contains("ok") == true && rows.first?.contains("delta=2") == true)
    }

    @Test func readOnlyRefusesWithTheReason() throws {
        try Harness.requireBinary()
        let pane = try TmuxPane(width: 150, height: 45)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) XDG_STATE_HOME=\(NSTemporaryDirectory()) \(Harness.binary) demo --scenario edge --warmup 10 --read-only")
        try pane.press("Enter")
        try pane.waitFor(text: "edge-devices-01")
        // The action keys are gone from the footer and do nothing; the command line says why.
        #expect(!(try pane.screen().contains("scale+")))
        try pane.type("D")
        try pane.type(":drain edge-devices-01")
        try pane.press("Enter")
        try pane.waitFor(text: ":drain: read-only (--read-only): actions are off")
        #expect(!(try pane.screen().contains("Confirm:")))
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("edge-devices-01") }
    }

    /// A watched fleet acting through the exec actuator: the script gets exactly the
    /// configured argv, and the outcome lands in the events log and the audit.
    @Test func watchActsThroughTheExecActuator() throws {
        try Harness.requireBinary()
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let dir = NSTemporaryDirectory() + "fleetdeck-watch-act-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: RepositoryRoot.path + "/sample-data/telemetry/vllm-v1.prom", toPath: dir + "/metrics")
        let port = try Harness.freePort()
        let (server, _) = try Harness.spawn(python, ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", dir])
        defer { Harness.stop(server) }
        let script = dir + "/scale.sh"
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(dir)/argv.txt\necho scaled to $3\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try """
            scrape: {interval_ms: 300, timeout_ms: 1000}
            targets:
              - {url: "http://127.0.0.1:\(port)/metrics", node: vllm-0, pool: chat}
            actions:
              cooldown_s: 5
              pools:
                chat: {actuator: exec, argv: ["\(script)", "scale", "{pool}", "--replicas={replicas}", "-n", "{namespace}"], vars: {namespace: llm}, max_replicas: 4}
            """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 150, height: 45)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/c.yaml --audit-log \(dir)/audit.jsonl --record \(dir)/watch.rec 2>\(dir)/err.txt")
        try pane.press("Enter")
        try pane.waitFor("vllm-0 up") { $0.contains("vllm-0") && $0.contains(" up ") }
        try pane.type("+")
        try pane.waitFor(text: "through the exec actuator")
        try pane.type("y")
        try pane.waitFor("the outcome") { $0.contains("scale chat: ok") }
        try pane.type(":scale chat +9")   // beyond max_replicas: refused, with the reason
        try pane.press("Enter")
        try pane.waitFor(text: "above its maximum of 4")
        try pane.type("n")
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("vllm-0") }
        let argv = try String(contentsOfFile: dir + "/argv.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(argv == ["scale", "chat", "--replicas=2", "-n", "llm"])
        let audit = try Harness.fleetdeck(["audit", dir + "/audit.jsonl"])
        #expect(audit.stdout.contains("exec") && audit.stdout.contains("scaled to --replicas=2"), "\(audit.stdout)")
        // The recording of the session holds the action and its outcome at their time.
        let summary = try Harness.fleetdeck(["replay", dir + "/watch.rec", "--summary"])
        let err = (try? String(contentsOfFile: dir + "/err.txt", encoding: .utf8)) ?? ""
        #expect(summary.stdout.contains("scale chat: ok"), "\(summary.stdout) \(summary.stderr) \(err)")
    }
}

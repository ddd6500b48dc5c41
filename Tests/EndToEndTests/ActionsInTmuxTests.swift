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
        try pane.type("FLEETDECK_HOME=\(Harness.repositoryRoot) \(Harness.binary) demo --scenario edge --warmup 10 --audit-log \(audit)")
        try pane.press("Enter")
        try pane.waitFor(text: "edge-devices-01")
        try pane.type("+")
        try pane.waitFor(text: "Confirm: scale edge-devices")
        try pane.type("n")                      // anything but y cancels
        try pane.waitFor("the dialog gone") { !$0.contains("Confirm: scale") }
        try pane.type("2+")                     // vim's count: two replicas
        try pane.waitFor(text: "from 12 to 14 replicas")
        try pane.type("y")
        try pane.waitFor("the outcome in the events log") { $0.contains("audited") }
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
        try pane.type("FLEETDECK_HOME=\(Harness.repositoryRoot) XDG_STATE_HOME=\(NSTemporaryDirectory()) \(Harness.binary) demo --scenario edge --warmup 10 --read-only")
        try pane.press("Enter")
        try pane.waitFor(text: "edge-devices-01")
        try pane.type("D")
        try pane.waitFor(text: "not possible: read-only")
        try pane.type("y")                      // cannot confirm a refused action
        try pane.waitFor("the dialog gone") { !$0.contains("not possible") }
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("edge-devices-01") }
    }
}

import FleetdeckTestSupport
import MetricsFormats
import AsyncHTTPClient
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// NDJSON piped in (`producer | fleetdeck watch --stdin`) while the console still reads its
/// keys from the terminal.
@Suite(.serialized) struct WatchStdinTests {
    @Test func aPipeFeedsTheConsoleAndKeysStillWork() throws {
        try Harness.requireBinary()
        let pane = try TmuxPane(width: 120, height: 30)
        let record = #"{"node":"pipe-1","pool":"piped","running":4,"waiting":7,"kv_cache":0.31}"#
        try pane.type("(while true; do echo '\(record)'; sleep 0.3; done) | FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --stdin")
        try pane.press("Enter")
        try pane.waitFor("pipe-1 with its figures") { s in
            s.split(separator: "\n").contains { $0.contains("pipe-1") && $0.contains(" 7 ") && $0.contains(" 31 ") }
        }
        try pane.type("?")   // keys reach the console from the terminal, not from the pipe
        try pane.waitFor(text: "cycle the sort column")
        try pane.type("x")
        try pane.waitFor("the help closed") { !$0.contains("cycle the sort column") && $0.contains("pipe-1") }
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("Nodes (") }
    }

    @Test func stdinWithoutATerminalIsExplained() throws {
        let r = try Harness.fleetdeck(["watch", "--stdin"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--stdin needs a terminal for the console"), "\(r.stderr)")
    }
}

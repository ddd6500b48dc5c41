import FleetdeckTestSupport
import MetricsFormats
import AsyncHTTPClient
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// `fleetdeck watch` on an NDJSON file that a producer appends to and then rotates.
@Suite(.serialized) struct WatchStreamTests {
    @Test func aFollowedFileDrivesTheConsole() throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-stream-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/fleet.ndjson"
        try #"{"node":"edge-7","pool":"edge","running":2,"waiting":9,"kv_cache":0.42,"model":"qwen2.5-3b-q4"}"#
            .appending("\n").write(toFile: file, atomically: false, encoding: .utf8)
        try "scrape: {interval_ms: 300}\nstreams: {files: [\"\(file)\"]}\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 120, height: 30)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/c.yaml")
        try pane.press("Enter")
        try pane.waitFor("edge-7 with its figures") { s in
            s.split(separator: "\n").contains { $0.contains("edge-7") && $0.contains(" 9 ") && $0.contains(" 42 ") }
        }
        // Rotation: a new file with a new node and a hostile event text.
        try FileManager.default.moveItem(atPath: file, toPath: file + ".1")
        try (#"{"node":"edge-8","pool":"edge","running":1,"waiting":0}"# + "\n"
             + #"{"type":"event","severity":"warning","message":"edge-8 \u001b[2Jrebooted"}"# + "\n")
            .write(toFile: file, atomically: false, encoding: .utf8)
        let screen = try pane.waitFor(text: "edge-8")
        #expect(try pane.waitFor(text: "rebooted").contains("edge-8 "))
        #expect(!screen.contains("\u{1B}"))
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("Nodes (") }
    }
}

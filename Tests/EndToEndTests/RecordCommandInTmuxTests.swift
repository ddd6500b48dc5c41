import FleetdeckTestSupport
import Foundation
import Testing

/// `:record FILE` starts a recording of the fleet on screen, the header says so, `:record stop`
/// closes it, and what was written replays.
@Suite(.serialized) struct RecordCommandInTmuxTests {
    @Test func recordingStartsAndStopsFromTheCommandLine() async throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-rec-cmd-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pane = try TmuxPane(width: 140, height: 40)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario edge --warmup 10 --speed 10 --no-advisor")
        try pane.press("Enter")
        _ = try await pane.awaitScreen("the console", timeout: 120) { $0.contains("fleetdeck sim edge") }
        #expect(try pane.screen().split(separator: "\n").first?.contains("REC") == false)
        try pane.type(":record \(dir)/incident one.rec")
        try pane.press("Enter")
        let recording = try await pane.awaitScreen("the REC badge") { $0.split(separator: "\n").first?.contains("● REC") == true }
        #expect(recording.contains("recording to \(dir)/incident one.rec (:record stop ends it)"))
        // A second one while the first is open is refused, naming the first.
        try await Task.sleep(nanoseconds: 2_000_000_000)
        try pane.type(":record \(dir)/other.rec")
        try pane.press("Enter")
        _ = try await pane.awaitScreen("the refusal") { $0.contains("already recording to \(dir)/incident one.rec: :record stop first") }
        try pane.type(":record stop")
        try pane.press("Enter")
        let stopped = try await pane.awaitScreen("the recording closed") { $0.contains("ticks recorded to \(dir)/incident one.rec") }
        #expect(stopped.split(separator: "\n").first?.contains("REC") == false)
        #expect(!FileManager.default.fileExists(atPath: dir + "/other.rec"))
        try pane.press("q")
        let summary = try Harness.fleetdeck(["replay", dir + "/incident one.rec", "--summary"])
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdout.contains("sim") && summary.stdout.contains("ticks"), "\(summary.stdout)")
    }
}

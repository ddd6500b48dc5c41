import FleetdeckTestSupport
import Foundation
import LocalInference
import Testing

/// `fleetdeck infer` and the local node in the console, with the real SmolLM2 model that
/// Scripts/fetch-model puts in the cache (Scripts/test runs it first).
@Suite(.serialized) struct LocalInferenceCLITests {
    static func requireModel() throws -> String {
        let path = ModelLocator.defaultModelPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw HarnessError("the SmolLM2 model is missing at \(path): run Scripts/fetch-model (or set FLEETDECK_MODEL)")
        }
        return path
    }

    @Test func inferPrintsTheContinuationAndItsTokenIds() throws {
        let model = try Self.requireModel()
        let r = try Harness.fleetdeck(["infer", "--model", model, "--prompt", "The capital of France is", "-n", "6", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((obj["text"] as? String)?.hasPrefix(" Paris") == true)
        #expect(obj["prompt_token_ids"] as? [Int] == [504, 3575, 282, 4649, 314])
        let generated = try #require(obj["generated_token_ids"] as? [Int])
        #expect(generated.count == 6 && generated.first == 7042)
        let timings = try #require(obj["timings"] as? [String: Any])
        for key in ["prompt_tokens_per_second", "generation_tokens_per_second", "time_to_first_token_seconds"] {
            #expect((timings[key] as? Double ?? 0) > 0, "\(key)")
        }

        let plain = try Harness.fleetdeck(["infer", "--model", model, "--prompt", "The capital of France is", "-n", "4"])
        #expect(plain.status == 0)
        #expect(plain.stdout.hasPrefix(" Paris"))
        #expect(plain.stderr.contains("generation:") && plain.stderr.contains("tokens/s") && plain.stderr.contains("time to first token"))
    }

    @Test func aFileThatIsNotAModelIsOneClearError() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-infer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bogus = dir + "/weights.gguf"
        try Data("not a model at all\u{1B}[2J".utf8).write(to: URL(fileURLWithPath: bogus))
        let r = try Harness.fleetdeck(["infer", "--model", bogus, "--prompt", "hi"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("weights.gguf: not a GGUF file"))
        #expect(!r.stderr.contains("\u{1B}"))
        #expect(!r.stderr.contains("Fatal error"))

        let missing = try Harness.fleetdeck(["infer", "--model", dir + "/none.gguf", "--prompt", "hi"])
        #expect(missing.status == 2 && missing.stderr.contains("none.gguf: cannot open"))
    }

    @Test func theEdgeDemoRunsTheLocalNodeBesideTheSimulatedFleet() async throws {
        let model = try Self.requireModel()
        try Harness.requireBinary()
        let pane = try TmuxPane(width: 160, height: 45)
        // The pane's HOME is a temporary folder: the model is named by FLEETDECK_MODEL.
        try pane.type("FLEETDECK_MODEL=\(model) FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario edge --warmup 30")
        try pane.press("Enter")
        let screen = try await pane.awaitScreen("edge-local-0") { $0.contains("edge-local-0") }
        #expect(screen.contains("smollm2-135M Q4_1"))
        try await pane.awaitScreen("the load event") { $0.contains("edge-local-0 loaded smollm2-135M (Q4_1)") }
        try pane.type("3")
        _ = try await pane.awaitScreen("the pools screen") { $0.contains("Pools (3)") }
        // The row follows the next snapshot: on a busy machine the screen can be drawn first.
        let pools = try await pane.awaitScreen("the local pool's node up") { s in
            s.split(separator: "\n").contains { $0.contains("edge-local") && $0.contains("1/1") }
        }
        #expect(pools.contains("Pools (3)"))
        // Requests routed from the edge pool are served for real: the local pool's TTFT row
        // fills in once some have finished.
        try pane.type("1")
        let overview = try await pane.awaitScreen("a TTFT for the local pool", timeout: 90) { s in
            s.split(separator: "\n").contains { $0.contains("edge-local") && $0.contains("ttft") && $0.contains("ms") }
        }
        #expect(overview.contains("p95<2.00s"))
        try pane.type("q")
        try await pane.awaitScreen("the shell prompt back", timeout: 15) { !$0.contains("edge-local-0") && $0.contains("$ ") }
        #expect(try pane.childPID() == nil)
    }
}

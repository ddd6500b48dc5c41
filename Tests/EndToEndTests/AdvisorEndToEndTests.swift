import FleetdeckTestSupport
import Foundation
import Testing

/// One at a time: each runs the advisor flat out on one core, and together with the rest of
/// a parallel run on two cores they would starve each other's deadlines.
@Suite(.serialized) struct AdvisorEndToEndTests {
    /// The bank's market open without its scripted scale-up: the advisor finds one before the
    /// blue pool breaches, and says so in JSON a script can read.
    @Test func adviseFindsTheBanksScaleUp() async throws {
        let r = try await Harness.fleetdeckOffPool(["advise", "--scenario", "bank", "--until", "6m", "--without-scripted-actions", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rounds = try #require(obj["rounds"] as? [[String: Any]])
        #expect(rounds.count == 24)
        let firstScaleUp = rounds.first { ($0["active"] as? String)?.hasPrefix("scale chat-70b-blue +") == true }
        let at = try #require(firstScaleUp?["time_s"] as? Double)
        #expect(at > 240 && at < 412, "the ramp starts at 240 s; without action blue breaches at 412 s")
        let last = try #require(obj["last"] as? [String: Any])
        let candidates = try #require(last["candidates"] as? [[String: Any]])
        #expect(candidates.count == 8)
        #expect(candidates.allSatisfy { $0["e2e_p95_s"] is Double && $0["cost_delta_per_hour"] is Double && $0["time_to_effect_s"] is Double })
    }

    @Test func adviseRefusesABadHorizon() throws {
        let r = try Harness.fleetdeck(["advise", "--scenario", "bank", "--horizon", "soon"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--horizon wants a positive time"))
    }

    /// An overloaded pool: the advisor warns, recommends a scale-up, and `a` applies it through
    /// the confirmation dialog and the audit log like any action.
    @Test func aAppliesTheRecommendationWithConfirmationAndAudit() async throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-advisor-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            name: tight
            title: one pool short of capacity
            start_time: "12:00"
            api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
            pools:
              - id: chat
                model: {name: llama-3-8b, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}
                gpu: H100-SXM
                nodes: 1
                max_num_seqs: 16
                max_queue_per_node: 400
                slo: [{metric: e2e, percentile: 95, target_ms: 3000}]
            workload:
              peak_rps: 12
              daily_curve: [[0, 1.0]]
              classes:
                - {name: chat, share: 1.0, priority: 1, pool: chat,
                   prompt_tokens: {median: 400, sigma: 0.3, min: 50, max: 2000},
                   output_tokens: {median: 200, sigma: 0.3, min: 20, max: 800}}
            """.write(toFile: dir + "/tight.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 150, height: 45)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario \(dir)/tight.yaml --warmup 30 --audit-log \(dir)/audit.jsonl")
        try pane.press("Enter")
        try await pane.awaitScreen("the console", timeout: 90) { $0.contains("chat-01") }
        try pane.type("7")
        try await pane.awaitScreen("a recommended scale-up", timeout: 90) { $0.contains("recommended: scale chat +") }
        try pane.type("a")
        try await pane.awaitScreen("the dialog") { $0.contains("Confirm: scale chat") }
        try pane.type("y")
        // Withdrawn at once: `a` cannot apply it twice.
        try await pane.awaitScreen("the recommendation withdrawn") { !$0.contains("a applies it") }
        try pane.type("4")
        try await pane.awaitScreen("the outcome in the events log", timeout: 20) { $0.contains("audited") }
        try pane.type("6")
        try await pane.awaitScreen("the audit screen") { $0.contains("Audit (1)") && $0.contains("scale") }
        try pane.type("q")
        try await pane.awaitScreen("the shell prompt back", timeout: 15) { !$0.contains("chat-01") }
    }
}

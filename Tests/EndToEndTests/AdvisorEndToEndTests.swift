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

    /// One 8B node on an H100 offered a little more than it can serve.
    static func writeTightScenario(_ path: String) throws {
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
            """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// An overloaded pool: the advisor warns, recommends a scale-up, and `a` applies it through
    /// the confirmation dialog and the audit log like any action.
    @Test func aAppliesTheRecommendationWithConfirmationAndAudit() async throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-advisor-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeTightScenario(dir + "/tight.yaml")
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

    /// The same overloaded pool served over HTTP and watched as a real fleet: the advisor's
    /// what-ifs run on its twin, and `a` applies the scale-up through the pool's exec actuator
    /// with the same dialog and audit.
    @Test func aOnAWatchedFleetAppliesTheTwinsRecommendationThroughTheExecActuator() async throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-advisor-watch-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeTightScenario(dir + "/tight.yaml")
        let port = try Harness.freePort()
        let (server, _) = try Harness.spawn(Harness.binary, ["simulate", "--scenario", dir + "/tight.yaml", "--serve", "127.0.0.1:\(port)",
                                                             "--warmup", "30"],
                                            environment: ["FLEETDECK_HOME": RepositoryRoot.path])
        defer { Harness.stop(server) }
        try """
            #!/bin/sh
            echo "chat scaled to $1 replicas" >"\(dir)/scaled"
            echo "deployment/chat scaled to $1"
            """.write(toFile: dir + "/scale.sh", atomically: true, encoding: .utf8)
        try """
            scrape:
              interval_ms: 1000
              http_sd_configs: [{url: "http://127.0.0.1:\(port)/targets", refresh_interval: 5s}]
            pools:
              - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 3000}]}
            actions:
              pools:
                chat: {actuator: exec, argv: ["/bin/sh", "\(dir)/scale.sh", "{replicas}"], timeout_s: 10}
            """.write(toFile: dir + "/watch.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 150, height: 45)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/watch.yaml --audit-log \(dir)/audit.jsonl")
        try pane.press("Enter")
        try await pane.awaitScreen("the watched node", timeout: 120) { $0.contains("fleetdeck scrape watch") && $0.contains("1/1 nodes up") }
        try pane.type("7")
        // The twin's rows, then a scale-up its what-ifs recommend.
        try await pane.awaitScreen("the twin's prediction", timeout: 90) { $0.contains("chat predicted") }
        try await pane.awaitScreen("a recommended scale-up", timeout: 120) { $0.contains("recommended: scale chat +") }
        try pane.type("a")
        try await pane.awaitScreen("the dialog naming the exec actuator") { $0.contains("Confirm: scale chat") && $0.contains("exec") }
        try pane.type("y")
        try await pane.awaitScreen("the recommendation withdrawn") { !$0.contains("a applies it") }
        try pane.type("6")
        try await pane.awaitScreen("the audit screen", timeout: 20) { $0.contains("Audit (1)") && $0.contains("scale") }
        try pane.type("q")
        try await pane.awaitScreen("the shell prompt back", timeout: 15) { !$0.contains("fleetdeck scrape watch") }
        let scaled = try String(contentsOfFile: dir + "/scaled", encoding: .utf8)
        #expect(scaled.hasPrefix("chat scaled to ") && !scaled.hasPrefix("chat scaled to 1 "), "\(scaled)")
        let audit = try String(contentsOfFile: dir + "/audit.jsonl", encoding: .utf8)
        #expect(audit.contains("deployment/chat scaled to") && audit.contains("exec"), "\(audit)")
    }
}

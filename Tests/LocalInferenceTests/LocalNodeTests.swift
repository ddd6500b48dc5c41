import FleetCore
import Foundation
@testable import LocalInference
@testable import LocalNode
import Testing

/// The local node serving real requests with SmolLM2, and the overlay that shows it in a
/// snapshot: what the console's screens draw.
@Suite(.serialized) struct LocalNodeTests {
    static func emptySnapshot(time: Double = 10, pools: [PoolSnapshot] = []) -> FleetSnapshot {
        FleetSnapshot(time: time, timeOfDay: 0, source: SourceInfo(kind: .simulation, name: "t", title: "t"),
                      pools: pools, nodes: [], caches: [], latency: [],
                      cost: CostSnapshot(pools: [], history: SeriesRing(capacity: 10)), events: [])
    }

    static func pool(_ id: String, arrivals: Double) -> PoolSnapshot {
        PoolSnapshot(id: id, kind: .gpu, engine: "vllm", model: "m", nodes: 1, nodesUp: 1, running: 0, waiting: 0,
                     arrivalRate: arrivals, completionRate: arrivals, shedRate: 0, history: PoolHistory(capacity: 10))
    }

    /// Polls until `condition` holds or `seconds` pass, sleeping as a task: the node works on
    /// its own thread, and a blocked test would hold one of the concurrency pool's two threads.
    static func wait(_ seconds: Double, until condition: () -> Bool) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return condition()
    }

    @Test func theNodeServesItsQueueAndTheOverlayShowsIt() async throws {
        let (_, model, tokenizer) = try SmolLM2.require()
        let generator = TextGenerator(model: model, tokenizer: tokenizer, contextCapacity: 128, runner: ParallelRunner(threads: 1))
        // Far more arrivals than one slot can serve, and a short queue: some are refused.
        let node = LocalInferenceNode(generator: generator, workload: LocalWorkload(requestsPerSecond: 40, maxTokens: 4...6, queueLimit: 3))
        var config = LocalNodeConfig(model: SmolLM2.path)
        config.pool = "device"
        config.node = "device-0"
        let overlay = LocalNodeOverlay(node: node, config: config, loadSeconds: 0.25)
        node.start()
        defer { node.stop() }
        _ = overlay.apply(to: Self.emptySnapshot(time: 1))
        #expect(try await Self.wait(60) { node.status().completed >= 4 })
        try await Task.sleep(nanoseconds: 1_100_000_000)    // a rate window of at least a second
        let status = node.status()
        #expect(status.rejected > 0)
        #expect(status.arrived == status.completed + status.rejected + status.queued + status.running)
        #expect(status.generatedTokens >= 4 * status.completed)
        #expect(status.kvCapacity == 128)

        let shown = overlay.apply(to: Self.emptySnapshot(time: 3))
        let row = try #require(shown.nodes.first { $0.id == "device-0" })
        #expect(row.pool == "device")
        #expect(row.model == "smollm2-135M")
        #expect(row.version == "Q4_1")
        #expect(row.engine == "local")
        #expect(row.state == .up)
        #expect(row.tokensPerSecond > 0)
        #expect(row.gpuUtilization > 0.5)     // the CPU is busy: it never runs out of requests
        #expect(row.history.tokensPerSecond.count >= 2)
        let pool = try #require(shown.pool("device"))
        #expect(pool.nodes == 1 && pool.nodesUp == 1)
        #expect(pool.arrivalRate > 5)
        #expect(pool.shedRate > 0)
        let latency = try #require(shown.latency(ofPool: "device"))
        #expect(latency.samples >= 4)
        let ttft = try #require(latency.ttft.p50), e2e = try #require(latency.e2e.p50)
        #expect(ttft > 0 && ttft <= e2e)
        #expect(shown.cost.pools.contains { $0.pool == "device" })
        #expect(shown.events.contains { $0.message.contains("device-0 loaded smollm2-135M (Q4_1)") })
    }

    @Test func aRoutedShareOfAPoolSetsTheArrivalRate() throws {
        let (_, model, tokenizer) = try SmolLM2.require()
        let node = LocalInferenceNode(generator: TextGenerator(model: model, tokenizer: tokenizer, contextCapacity: 64, runner: ParallelRunner(threads: 1)),
                                      workload: LocalWorkload(requestsPerSecond: 0))
        var config = LocalNodeConfig(model: SmolLM2.path)
        config.routeFrom = "edge"
        config.share = 0.25
        let overlay = LocalNodeOverlay(node: node, config: config, loadSeconds: 0)
        _ = overlay.apply(to: Self.emptySnapshot(pools: [Self.pool("edge", arrivals: 8)]))
        #expect(node.status().requestsPerSecond == 2)
        _ = overlay.apply(to: Self.emptySnapshot(pools: [Self.pool("edge", arrivals: 1000)]))
        #expect(node.status().requestsPerSecond == 20)     // capped: one CPU node
    }

    @Test func ratesComeFromCounterDifferences() {
        var a = LocalNodeStatus(state: .serving, modelName: "m", quantization: "Q4_1", queued: 0, running: 1, arrived: 10,
                                completed: 8, rejected: 1, promptTokens: 100, generatedTokens: 200, kvTokens: 5,
                                kvCapacity: 64, busySeconds: 3, requestsPerSecond: 1)
        var b = a
        b.arrived = 14; b.completed = 10; b.rejected = 2; b.promptTokens = 160; b.generatedTokens = 300; b.busySeconds = 4.5
        let r = LocalNodeOverlay.rates(b, since: (a, 10), now: 12)
        #expect(r == LocalNodeOverlay.Rates(generated: 50, prompt: 30, arrivals: 2, completions: 1, rejections: 0.5, busy: 0.75))
        a.busySeconds = 0
        #expect(LocalNodeOverlay.rates(b, since: (a, 10), now: 11).busy == 1)     // clamped
    }

    @Test func theLocalConfigIsCheckedWithFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fleetdeck-local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("config.yaml").path
        try """
        local:
          model: /models/m.gguf
          pool: device
          route_from: edge-devices
          share: 0.5
          slo: [{metric: ttft, percentile: 95, target_ms: 1500}]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try LocalNodeConfig.read(try YAMLValue.load(contentsOf: path).required("local"))
        #expect(c.model == "/models/m.gguf" && c.pool == "device" && c.routeFrom == "edge-devices" && c.share == 0.5)
        #expect(c.objectives == [SLOObjective(metric: .ttft, percentile: 95, target: 1.5)])

        try "local:\n  model: m.gguf\n  pool: \"bad\\u001b[2Jname\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: ConfigFileError.self) { try LocalNodeConfig.read(try YAMLValue.load(contentsOf: path).required("local")) }
        #expect(error.description.contains("config.yaml") && error.description.contains("3"))
        #expect(!error.description.contains("\u{1B}"))

        try "local:\n  model: m.gguf\n  sahre: 0.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let typo = try #require(throws: ConfigFileError.self) { try LocalNodeConfig.read(try YAMLValue.load(contentsOf: path).required("local")) }
        #expect(typo.description.contains("sahre") && typo.description.contains("unknown field"))
    }
}

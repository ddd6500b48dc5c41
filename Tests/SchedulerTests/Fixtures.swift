import FleetdeckTestSupport
import Foundation
@testable import Scheduler

enum Fixtures {
    static func scenario(_ name: String) throws -> Scenario {
        try ScenarioLoader.load(file: RepositoryRoot.path + "/sample-data/scenarios/\(name).yaml")
    }

    /// One GPU pool at a constant arrival rate: the shape queueing checks want.
    /// `poolExtra` adds keys to the pool (indented four spaces), `classExtra` to the class (six).
    static func steadyPool(rate: Double, nodes: Int = 2, maxNumSeqs: Int = 32, gpuMemoryUtilization: Double = 0.9,
                           promptMedian: Int = 400, outputMedian: Int = 80, responseCache: String = "",
                           poolExtra: String = "", classExtra: String = "",
                           extraPool: String = "", incidents: String = "") throws -> Scenario {
        let text = """
            name: steady
            title: steady state
            start_time: "12:00"
            api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
            pools:
              - id: p
                model: {name: llama-3-8b, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}
                gpu: H100-SXM
                nodes: \(nodes)
                max_num_seqs: \(maxNumSeqs)
                gpu_memory_utilization: \(gpuMemoryUtilization)
                prefix_cache: {shared_prefix_tokens: 128, share: 0.5}
                slo: [{metric: e2e, percentile: 95, target_ms: 4000}]
            \(poolExtra)
            \(responseCache)
            \(extraPool)
            workload:
              peak_rps: \(rate)
              classes:
                - name: c
                  share: 1
                  pool: p
                  prompt_tokens: {median: \(promptMedian), sigma: 0.5, min: 16, max: 4000}
                  output_tokens: {median: \(outputMedian), sigma: 0.5, min: 4, max: 1000}
            \(classExtra)
            \(incidents)
            """
        return try ScenarioLoader.parse(text: text, file: "steady.yaml")
    }

    /// A twin that watched `scenario` for 90 s, then saw its pool holding `burst` more
    /// waiting than the simulator did (a queue the twin's steady state does not have).
    static func twinAfterBurst(_ scenario: Scenario, burst: Int) -> FleetTwin {
        let sim = FleetSimulator(scenario: scenario)
        let twin = FleetTwin()
        for t in stride(from: 1.0, through: 90, by: 1) {
            sim.advance(to: t)
            twin.observe(sim.snapshot())
        }
        var seen = sim.snapshot()
        seen.pools[0].waiting += burst
        twin.observe(seen)
        return twin
    }
}

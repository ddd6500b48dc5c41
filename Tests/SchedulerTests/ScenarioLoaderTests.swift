import FleetCore
import Testing
@testable import Scheduler

@Suite struct ScenarioLoaderTests {
    @Test(arguments: ["bank", "ecommerce", "content", "edge", "rag"])
    func everySeedScenarioLoads(_ name: String) throws {
        let s = try Fixtures.scenario(name)
        #expect(s.name == name)
        #expect(!s.pools.isEmpty)
        #expect(!s.workload.classes.isEmpty)
        #expect(s.pools.allSatisfy { !$0.objectives.isEmpty })
    }

    @Test func bankHasTheCaseStudysFleet() throws {
        let s = try Fixtures.scenario("bank")
        let gpuPools = s.pools.compactMap { p -> GPUPoolSpec? in if case .gpu(let g) = p.kind { return g }; return nil }
        #expect(gpuPools.reduce(0) { $0 + $1.nodes } == 16)
        #expect(gpuPools.allSatisfy { $0.gpusPerNode == 8 && $0.gpu.name == "A100-80GB" })
        #expect(s.pools.allSatisfy { $0.model.parametersBillions == 70 && $0.model.quantization == .int8 })
        #expect(abs(s.workload.peakRate * 60 - 2000) < 5)        // 2,000 requests/min
        #expect(s.pools[0].objectives.contains(SLOObjective(metric: .e2e, percentile: 95, target: 2)))
        #expect(Set(s.pools.map(\.version)) == ["v1.4", "v1.5"])  // blue/green
    }

    @Test func ecommerceIsHybridWithAnAPITier() throws {
        let s = try Fixtures.scenario("ecommerce")
        #expect(s.pools.contains { if case .api = $0.kind { return true }; return false })
        let l4Nodes = s.pools.compactMap { p -> Int? in
            if case .gpu(let g) = p.kind, g.gpu.name == "L4", !p.id.contains("elastic") { return g.nodes }
            return nil
        }.reduce(0, +)
        #expect(l4Nodes == 8)
        #expect(s.pools.first { $0.id == "cs-llama3-8b" }?.objectives.first?.percentile == 90)
    }

    @Test func contentHasSixRegionsAndACPUTier() throws {
        let s = try Fixtures.scenario("content")
        let gpuTypes = Set(s.pools.compactMap { p -> String? in if case .gpu(let g) = p.kind { return g.gpu.name }; return nil })
        #expect(gpuTypes.contains("CPU-32C"))
        #expect(s.pools.filter { $0.id.contains("-") && $0.engine == "vllm" }.count == 6)
        let selfHosted = s.pools.filter { if case .gpu = $0.kind { return true }; return false }
        #expect(selfHosted.allSatisfy { $0.objectives.contains { $0.percentile == 99 && $0.target == 0.5 } })
        // The overflow API tier has a provider quota, which an incident cuts.
        let overflow = try #require(s.pools.first { $0.id == "api-overflow" })
        guard case .api(let api) = overflow.kind else { Issue.record("api-overflow is not an API tier"); return }
        #expect(api.rateLimit == 400)
        #expect(s.incidents.contains { $0.kind == .apiQuota(pool: "api-overflow", rps: 150) })
    }

    @Test func malformedScenarioNamesFileLineAndField() {
        let text = """
            name: broken
            title: t
            api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
            pools:
              - id: p
                model: {name: m, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}
                gpu: H100-SXM
                nodes: lots
            workload: {peak_rps: 1, classes: []}
            """
        let e = #expect(throws: ConfigFileError.self) { try ScenarioLoader.parse(text: text, file: "broken.yaml") }
        #expect(e?.file == "broken.yaml")
        #expect(e?.line == 8)
        #expect(e?.field == "pools[0].nodes")
    }

    @Test func unknownGPUAndUnknownPoolAreCaught() {
        let badGPU = """
            name: x
            title: t
            api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
            pools:
              - {id: p, gpu: TPU-v9, nodes: 1, model: {name: m, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}}
            workload: {peak_rps: 1, classes: [{name: c, share: 1, pool: p, prompt_tokens: {median: 10}, output_tokens: {median: 10}}]}
            """
        let e1 = #expect(throws: ConfigFileError.self) { try ScenarioLoader.parse(text: badGPU, file: "x.yaml") }
        #expect(e1?.message.contains("unknown GPU type 'TPU-v9'") == true)
        #expect(e1?.line == 5)

        let badPool = badGPU.replacingOccurrences(of: "TPU-v9", with: "L4").replacingOccurrences(of: "pool: p,", with: "pool: q,")
        let e2 = #expect(throws: ConfigFileError.self) { try ScenarioLoader.parse(text: badPool, file: "x.yaml") }
        #expect(e2?.message.contains("unknown pool 'q'") == true)
    }

    @Test func weightsThatDoNotFitAreRejected() {
        let text = """
            name: x
            title: t
            api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
            pools:
              - {id: p, gpu: L4, nodes: 1, model: {name: big, params_b: 70, quantization: bf16, layers: 80, kv_heads: 8, head_dim: 128}}
            workload: {peak_rps: 1, classes: [{name: c, share: 1, pool: p, prompt_tokens: {median: 10}, output_tokens: {median: 10}}]}
            """
        let e = #expect(throws: ConfigFileError.self) { try ScenarioLoader.parse(text: text, file: "x.yaml") }
        #expect(e?.message.contains("do not fit") == true)
    }

    @Test func aSequenceCapAboveTheTokenBudgetIsRejected() {
        let text = """
            name: x
            title: t
            api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
            pools:
              - {id: p, gpu: H100-SXM, nodes: 1, max_num_seqs: 512, max_batched_tokens: 256,
                 model: {name: m, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}}
            workload: {peak_rps: 1, classes: [{name: c, share: 1, pool: p, prompt_tokens: {median: 10}, output_tokens: {median: 10}}]}
            """
        let e = #expect(throws: ConfigFileError.self) { try ScenarioLoader.parse(text: text, file: "x.yaml") }
        #expect(e?.message.contains("exceeds max_batched_tokens") == true)
    }

    @Test func dailyCurveInterpolatesAndWraps() throws {
        let w = WorkloadSpec(peakRate: 10, dailyCurve: [(hour: 6, multiplier: 0.2), (hour: 12, multiplier: 1.0), (hour: 18, multiplier: 0.4)],
                             classes: [])
        #expect(abs(w.multiplier(atTimeOfDay: 9 * 3600) - 0.6) < 1e-9)
        #expect(abs(w.multiplier(atTimeOfDay: 12 * 3600) - 1.0) < 1e-9)
        // 18:00 -> 06:00 wraps through midnight: halfway is 0.3.
        #expect(abs(w.multiplier(atTimeOfDay: 0) - 0.3) < 1e-9)
    }

    @Test func aTimeOfDayWithAbsurdSecondsIsRefused() throws {
        let doc = try YAMLValue.parse("start_time: \"09:30:9223372036854775807\"\nok: \"09:30:15\"\n", file: "s.yaml")
        #expect(throws: ConfigFileError.self) { try ScenarioLoader.timeOfDay(doc.required("start_time")) }
        #expect(try ScenarioLoader.timeOfDay(doc.required("ok")) == 9 * 3600 + 30 * 60 + 15)
    }

    @Test func aFleetPastTheNodeCapIsRefusedWithItsLine() throws {
        // Three pools of 4,096 (each allowed alone): 12,288 nodes, past the 10,000 a fleet has.
        let extra = (1...2).map { i in """
              - id: p\(i)
                model: {name: llama-3-8b, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}
                gpu: H100-SXM
                nodes: 4096
                slo: [{metric: e2e, percentile: 95, target_ms: 4000}]
            """ }.joined(separator: "\n")
        do {
            _ = try Fixtures.steadyPool(rate: 1, nodes: 4096, extraPool: extra)
            Issue.record("a fleet of 12,288 nodes loaded")
        } catch {
            #expect("\(error)".contains("steady.yaml:") && "\(error)".contains("12288 GPU nodes") && "\(error)".contains("at most 10000"),
                    "\(error)")
        }
        #expect(throws: Never.self) { _ = try Fixtures.steadyPool(rate: 1, nodes: 4096) }
    }
}

import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Scheduler

/// Routers, the keyed response cache, API quotas, the autoscaler and conversations.
@Suite struct FleetFeatureTests {
    /// The steady fixture pool (H100s, 8B) at 64 sequences a node, with what a test adds.
    static func scenario(rate: Double, nodes: Int = 4, poolExtra: String = "", classExtra: String = "",
                         extraPools: String = "", incidents: String = "", output: Int = 60) throws -> Scenario {
        try Fixtures.steadyPool(rate: rate, nodes: nodes, maxNumSeqs: 64, promptMedian: 600, outputMedian: output,
                                poolExtra: poolExtra, classExtra: classExtra, extraPool: extraPools, incidents: incidents)
    }

    static func finished(_ sim: FleetSimulator) -> [Int] {
        sim.pools[0].nodeIndices.map { Int(sim.nodes[$0].exposition.requestsFinished) }
    }

    @Test func roundRobinSharesEvenlyAndLeastLoadedFollowsTheQueues() throws {
        let rr = FleetSimulator(scenario: try Self.scenario(rate: 40, poolExtra: "    router: round_robin"))
        rr.advance(to: 300)
        let counts = Self.finished(rr)
        #expect(counts.max()! - counts.min()! <= 64, "\(counts)")   // at most what is in flight
        let ll = FleetSimulator(scenario: try Self.scenario(rate: 40))
        ll.advance(to: 300)
        #expect(Self.finished(ll).allSatisfy { $0 > 0 })
    }

    @Test func conversationsComeBackWithTheirContextAndAffinityKeepsItCached() throws {
        func run(_ router: String) throws -> (SimulationReport.Pool, FleetSimulator) {
            let sim = FleetSimulator(scenario: try Self.scenario(
                rate: 6, nodes: 6, poolExtra: "    router: \(router)",
                classExtra: "      session: {turns: 4, think_s: 5}"))
            sim.collectReport()
            sim.advance(to: 900)
            return (try #require(sim.report(duration: 900)?.pools.first), sim)
        }
        let (affinity, sim) = try run("prefix_affinity")
        let (balanced, _) = try run("least_loaded")
        // 6 new conversations a second of 4 turns on average: about 24 requests a second.
        #expect(Double(affinity.requests) / 900 > 18 && Double(affinity.requests) / 900 < 30, "\(affinity.requests)")
        // Later turns find their conversation on the node that served the last one.
        let hitsAffinity = try #require(affinity.prefixCacheHitRate), hitsBalanced = try #require(balanced.prefixCacheHitRate)
        #expect(hitsAffinity > 0.4, "\(hitsAffinity)")
        #expect(hitsAffinity > hitsBalanced + 0.2, "\(hitsAffinity) vs \(hitsBalanced)")
        // Every request is accounted for.
        #expect(sim.totals.arrived == sim.totals.completed + sim.totals.shed + sim.totals.inSystem)
    }

    @Test func aKeyedCacheWarmsUpAndAFlushMakesItColdAgain() throws {
        let cache = "    response_cache: {keys: 5000, zipf_exponent: 1.0, capacity: 2000, ttl_s: 3600, latency_ms: 2}"
        func hits(flushAt: Double?) throws -> [(Int, Int)] {
            let flush = flushAt.map { "incidents:\n  - {at: \($0), kind: cache_flush, pool: p, duration: 0}" } ?? ""
            let sim = FleetSimulator(scenario: try Self.scenario(rate: 40, poolExtra: cache, incidents: flush, output: 20))
            sim.collectReport()
            var windows: [(Int, Int)] = []
            var last = (0, 0)
            for t in stride(from: 60.0, through: 600, by: 60) {
                sim.advance(to: t)
                let p = try #require(sim.report(duration: t)?.pools.first)
                let lookups = p.requests, hitCount = Int(((p.responseCacheHitRate ?? 0) * Double(lookups)).rounded())
                windows.append((hitCount - last.0, lookups - last.1))
                last = (hitCount, lookups)
            }
            return windows
        }
        let steady = try hits(flushAt: nil)
        func rate(_ w: (Int, Int)) -> Double { Double(w.0) / Double(max(1, w.1)) }
        // Warming: the first minute hits less than the fifth.
        #expect(rate(steady[0]) < rate(steady[4]) - 0.05, "\(steady.map(rate))")
        #expect(rate(steady[4]) > 0.3)
        let flushed = try hits(flushAt: 300)
        // The minute after the flush (300-360 s) is colder than the same minute without it.
        #expect(rate(flushed[5]) < rate(steady[5]) - 0.1, "\(flushed.map(rate)) vs \(steady.map(rate))")
        #expect(rate(flushed[9]) > rate(flushed[5]))
    }

    @Test func zipfRanksFollowTheirLaw() {
        var rng = SeededRandom(seed: 3)
        let z = ZipfSampler(n: 10, exponent: 1.2)
        var counts = Array(repeating: 0, count: 11)
        let draws = 200_000
        for _ in 0..<draws { counts[z.sample(&rng)] += 1 }
        let norm = (1...10).reduce(0.0) { $0 + pow(Double($1), -1.2) }
        for k in 1...10 {
            let expected = pow(Double(k), -1.2) / norm
            #expect(abs(Double(counts[k]) / Double(draws) - expected) < 0.005, "rank \(k)")
        }
        let big = ZipfSampler(n: 1_000_000_000, exponent: 0.8)
        for _ in 0..<1000 { #expect((1...1_000_000_000).contains(big.sample(&rng))) }
    }

    @Test func anAPIQuotaRefusesTheExcessAndACutLowersIt() throws {
        let api = """
              - {id: api, kind: api, engine: api, model: {name: m, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128},
                 latency: {ttft_ms: 200, tokens_per_second: 100}, price: {input_per_mtok: 1, output_per_mtok: 2}, rate_limit_rps: 40}
            """
        let text = try Self.scenario(rate: 1, extraPools: api)
        var sc = text
        sc.workload.classes[0].pools = [("api", 1)]
        sc.workload.peakRate = 100
        sc.incidents = [IncidentSpec(at: 300, duration: 300, label: "quota cut", kind: .apiQuota(pool: "api", rps: 10))]
        let sim = FleetSimulator(scenario: sc)
        sim.advance(to: 300)
        let before = sim.poolTotals["api"]!
        #expect(abs(Double(before.arrived - before.shed) / 300 - 40) < 2, "\(before)")
        sim.advance(to: 600)
        let after = sim.poolTotals["api"]!
        #expect(abs(Double((after.arrived - after.shed) - (before.arrived - before.shed)) / 300 - 10) < 1, "\(after)")
        #expect(sim.snapshot().events.contains { $0.message.contains("quota cut") })
    }

    @Test func theAutoscalerFollowsTheLoadWithinItsBounds() throws {
        let sc = try Self.scenario(
            rate: 3, nodes: 2,
            poolExtra: "    autoscale: {min: 2, max: 6, target_per_replica: 5, scale_up_after_s: 20, scale_down_after_s: 120, step: 2}",
            incidents: "incidents:\n  - {at: 200, kind: load_spike, duration: 400, multiplier: 6, label: surge}", output: 200)
        let sim = FleetSimulator(scenario: sc)
        var provisioned: [Int] = []
        for t in stride(from: 10.0, through: 1500, by: 10) {
            sim.advance(to: t)
            provisioned.append(sim.pools[0].nodeIndices.count)
        }
        #expect(provisioned[0..<19].allSatisfy { $0 == 2 }, "\(provisioned)")   // calm: the minimum
        #expect(provisioned.max()! == 6, "\(provisioned)")                      // the surge: up to the maximum
        #expect(provisioned.last! < 6, "\(provisioned)")                        // after it: back down
        // Scale-ups are logged as actions, with the autoscaler's reason.
        #expect(sim.snapshot().events.contains { $0.kind == .action && $0.message.contains("autoscaler") })
    }

    /// An autoscaler asks again every stabilisation window; a refusal it has had already (the
    /// fleet at its cap) is not logged again.
    @Test func aRepeatedRefusalIsLoggedOnce() throws {
        let sim = FleetSimulator(scenario: try Self.scenario(rate: 1))
        let first = sim.perform(.scale(pool: "nope", delta: 1))
        guard case .failure(let e) = first else { Issue.record("scaled a pool that does not exist"); return }
        sim.perform(.scale(pool: "nope", delta: 1), refusedBefore: e.description)
        sim.perform(.scale(pool: "other", delta: 1), refusedBefore: e.description)
        let failed = sim.snapshot(refresh: true).events.filter { $0.message.hasPrefix("action failed") }
        #expect(failed.map(\.message) == ["action failed: scale nope by +1: no pool nope", "action failed: scale other by +1: no pool other"],
                "\(failed.map(\.message))")
    }

    @Test func newScenarioKeysAreCheckedWithTheirLine() throws {
        let cases: [(String, String)] = [
            ("    router: random", "pools[0].router"),
            ("    autoscale: {min: 4, max: 2, target_per_replica: 3}", "pools[0].autoscale.max"),
            ("    response_cache: {hit_rate: 0.5, keys: 100}", "pools[0].response_cache.keys"),
            ("    response_cache: {capacity: 100}", "pools[0].response_cache"),
        ]
        for (extra, field) in cases {
            do {
                _ = try Self.scenario(rate: 1, poolExtra: extra)
                Issue.record("accepted \(extra)")
            } catch let e as ConfigFileError {
                #expect(e.field == field, "\(e)")
                #expect(e.line == 14, "\(e)")
            }
        }
        do {
            _ = try Self.scenario(rate: 1, incidents: "incidents:\n  - {at: 1, kind: api_quota, pool: p, rps: 3, duration: 5}")
            Issue.record("a quota on a GPU pool")
        } catch let e as ConfigFileError {
            #expect(e.field == "incidents[0].pool")
            #expect(e.message.contains("not an API tier"))
        }
    }

    /// A pool on a node profile: the measured H100 table with transformers' 90 ms host loop
    /// decodes at the light trace's cadence, in the fleet as in the trace replay.
    @Test func aPoolOnAMeasuredProfileStepsAtItsTableTime() throws {
        func scenario(_ pool: String) throws -> Scenario {
            try ScenarioLoader.parse(text: """
                name: profiled
                title: profiled
                api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
                pools:
                  - id: h
                    model: {name: llama3-8b, params_b: 8.03, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}
                \(pool)
                    nodes: 1
                    step_overhead_ms: 90
                workload:
                  peak_rps: 0.2
                  classes:
                    - {name: c, share: 1, pool: h, prompt_tokens: {median: 400, sigma: 0.3}, output_tokens: {median: 150, sigma: 0.3}}
                """, file: RepositoryRoot.path + "/sample-data/scenarios/profiled.yaml")
        }
        let sim = FleetSimulator(scenario: try scenario("    profile: h100-sxm-hf-eager"))
        sim.collectReport()
        sim.advance(to: 1200)
        let tpot = try #require(sim.report(duration: 1200)?.pools.first?.tpot)
        #expect(tpot.p50 > 0.105 && tpot.p50 < 0.112, "\(tpot)")
        guard case .gpu(let g) = sim.scenario.pools[0].kind else { return }
        #expect(g.gpu.name == "H100-SXM" && g.gpu.memoryGiB == 79.6)

        let cases: [(String, String)] = [
            ("    profile: h100-sxm-hf-eager\n    gpu: H100-SXM", "pools[0].gpu"),
            ("    profile: h200", "pools[0].profile"),
            ("    profile: h100-sxm-hf-eager\n    profile_model: llama3-1b", "pools[0].profile_model"),
        ]
        for (pool, field) in cases {
            do {
                _ = try scenario(pool)
                Issue.record("accepted \(pool)")
            } catch let e as ConfigFileError {
                #expect(e.field == field, "\(e)")
            }
        }
    }

    /// A class driven by a recorded trace: its requests arrive when the trace says, with the
    /// trace's lengths, beside the Poisson classes.
    @Test func aTraceClassReplaysItsArrivals() throws {
        func scenario(_ classExtra: String) throws -> Scenario {
            try ScenarioLoader.parse(text: """
                name: traced
                title: traced
                api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
                pools:
                  - {id: h, gpu: H100-SXM, nodes: 1, model: {name: llama3-8b, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}}
                workload:
                  peak_rps: 0.5
                  classes:
                    - {name: poisson, share: 1, pool: h, prompt_tokens: {median: 100}, output_tokens: {median: 20}}
                    - name: recorded
                      pool: h
                \(classExtra)
                """, file: RepositoryRoot.path + "/sample-data/scenarios/traced.yaml")
        }
        let sc = try scenario("      trace: h100-transformers-cb-light")
        let feed = try #require(sc.workload.classes[1].trace)
        let trace = (0..<30).compactMap(feed.request(at:))
        #expect(trace.count == 20)
        let sim = FleetSimulator(scenario: sc)
        sim.collectReport()
        sim.advance(to: trace[9].arrival + 0.001)
        let arrivedByTheTenth = sim.totals.arrived
        sim.advance(to: 400)
        // 20 recorded requests plus about 0.5/s of Poisson ones, all served.
        #expect(sim.totals.completed == sim.totals.arrived)
        let poisson = sim.totals.arrived - 20
        #expect(abs(Double(poisson) / 400 - 0.5) < 0.15, "\(poisson)")
        #expect(arrivedByTheTenth >= 10)
        let outputTokens = trace.reduce(0) { $0 + $1.outputTokens }
        #expect(sim.totals.tokensOut > outputTokens)

        do {
            _ = try scenario("      trace: h100-transformers-cb-light\n      share: 0.5")
            Issue.record("a trace class with a share")
        } catch let e as ConfigFileError {
            #expect(e.field == "workload.classes[1].share")
        }
        do {
            _ = try scenario("      trace: nosuch")
            Issue.record("a missing trace")
        } catch let e as ConfigFileError {
            #expect(e.field == "workload.classes[1].trace")
            #expect(e.message.contains("no trace at"))
        }
    }

    /// A drained node finishes its work and takes no more, even when it preempts meanwhile.
    @Test func aDrainingNodeStaysDrainingUnderPreemption() throws {
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 30, nodes: 3, maxNumSeqs: 256,
                                                                   gpuMemoryUtilization: 0.22, outputMedian: 300))
        sim.advance(to: 120)
        let n = try #require(sim.nodes.firstIndex { $0.id == "p-02" })
        _ = sim.perform(.drain(node: "p-02"))
        var load = sim.nodes[n].load
        for t in stride(from: 121.0, through: 400, by: 1) {
            sim.advance(to: t)
            guard sim.pools[0].nodeIndices.contains(n) else { break }   // drained and removed
            // Draining, then down once empty: never back to taking traffic.
            #expect(sim.nodes[n].state == .draining || sim.nodes[n].state == .down, "at \(t): \(sim.nodes[n].state)")
            #expect(sim.nodes[n].load <= load, "at \(t) the draining node took new work")
            load = sim.nodes[n].load
        }
        #expect(sim.nodes[n].exposition.preemptions > 0, "the cache is small enough to preempt while draining")
    }
}

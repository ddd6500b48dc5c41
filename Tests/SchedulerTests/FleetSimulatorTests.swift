import FleetCore
import Foundation
import Testing
@testable import Scheduler

@Suite struct FleetSimulatorTests {
    @Test(arguments: [("bank", 900.0), ("ecommerce", 300.0), ("edge", 900.0), ("rag", 900.0), ("content", 30.0)])
    func everyArrivedRequestEndsCompletedQueuedOrShed(_ name: String, _ seconds: Double) throws {
        let sim = FleetSimulator(scenario: try Fixtures.scenario(name))
        sim.advance(to: seconds)
        let t = sim.totals
        #expect(t.arrived > 0)
        #expect(t.arrived == t.completed + t.shed + t.inSystem)
        // What the nodes hold is exactly what the totals call in system (less external work in flight).
        let onNodes = sim.nodes.reduce(0) { $0 + $1.running + $1.waiting.count }
        #expect(onNodes <= t.inSystem)
        #expect(sim.nodes.allSatisfy { $0.kvUsedTokens >= 0 && $0.decodingCount >= 0 })
    }

    @Test func littlesLawHoldsOnASteadyRun() throws {
        // Mean number in the pool, read from the nodes' own queue and batch sizes once a
        // second, against throughput x mean time in system from the completed requests.
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 20, nodes: 2), historyCapacity: 4000)
        sim.advance(to: 300)      // warm up
        let start = sim.totals
        let startSamples = sim.nodes[0].history.running.count
        sim.advance(to: 2100)
        let t = sim.totals
        let completed = Double(t.completed - start.completed)
        let meanSojourn = (t.sojournSum - start.sojournSum) / completed
        let throughput = completed / 1800
        var meanInSystem = 0.0
        for node in sim.nodes {
            let running = node.history.running.values.suffix(node.history.running.count - startSamples)
            let waiting = node.history.waiting.values.suffix(node.history.waiting.count - startSamples)
            meanInSystem += (running.reduce(0, +) + waiting.reduce(0, +)) / Double(running.count)
        }
        let predicted = throughput * meanSojourn
        #expect(meanInSystem > 1)
        #expect(abs(meanInSystem - predicted) / predicted < 0.08, "L=\(meanInSystem) λW=\(predicted)")
        #expect(abs(throughput - 20) / 20 < 0.05)
    }

    @Test func theSameSeedGivesTheSameRunAndAnotherSeedDoesNot() throws {
        func run(_ seed: UInt64) throws -> Data {
            let sim = FleetSimulator(scenario: try Fixtures.scenario("bank"), seed: seed)
            sim.advance(to: 120)
            let enc = JSONEncoder()
            enc.outputFormatting = .sortedKeys
            return try enc.encode(sim.snapshot())
        }
        #expect(try run(42) == run(42))
        #expect(try run(42) != run(43))
    }

    @Test func moreLoadMeansLongerLatency() throws {
        func p95(_ rate: Double) throws -> Double {
            let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: rate, nodes: 1))
            sim.advance(to: 400)
            return sim.snapshot().latency[0].e2e.p95 ?? 0
        }
        let light = try p95(2), heavy = try p95(60)
        #expect(light > 0)
        #expect(heavy > light * 1.2, "light \(light) heavy \(heavy)")
    }

    @Test func aSmallKVCachePreemptsButFinishesEverything() throws {
        // 8B bf16 on one H100 at 25% memory: ~4 GB of KV, about 30k tokens for 32 long requests.
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 6, nodes: 1, maxNumSeqs: 64, gpuMemoryUtilization: 0.25,
                                                                 promptMedian: 1500, outputMedian: 600))
        var sawPreemption = false
        var sawDegraded = false
        for t in stride(from: 10.0, through: 600, by: 10) {
            sim.advance(to: t)
            let node = sim.snapshot().nodes[0]
            sawPreemption = sawPreemption || node.preemptionsPerSecond > 0
            sawDegraded = sawDegraded || node.state == .degraded
            #expect(node.kvCacheUsage <= 1)
        }
        #expect(sawPreemption)
        #expect(sawDegraded)
        let t = sim.totals
        #expect(t.completed > 1000)
        #expect(t.arrived == t.completed + t.shed + t.inSystem)
    }

    @Test func aDownNodeGetsNoWorkAndItsRequestsMove() throws {
        let incidents = """
            incidents:
              - {at: 100, kind: node_down, node: p-01, duration: 100, reason: "test crash"}
            """
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 10, nodes: 2, incidents: incidents))
        sim.advance(to: 150)
        let snap = sim.snapshot()
        let down = snap.nodes.first { $0.id == "p-01" }!
        #expect(down.state == .down)
        #expect(down.stateReason == "test crash")
        #expect(down.running == 0 && down.waiting == 0)
        #expect(down.gpus.allSatisfy { $0.utilization == 0 })
        #expect(snap.pools[0].nodesUp == 1)
        #expect(snap.events.contains { $0.kind == .incident && $0.message.contains("p-01 down: test crash") })
        sim.advance(to: 260)
        let back = sim.snapshot()
        #expect(back.nodes.first { $0.id == "p-01" }!.state == .up)
        #expect(back.nodes.first { $0.id == "p-01" }!.tokensPerSecond > 0)
        #expect(sim.totals.arrived == sim.totals.completed + sim.totals.shed + sim.totals.inSystem)
    }

    @Test func theResponseCacheServesItsShareWithoutAGPU() throws {
        let cache = "    response_cache: {hit_rate: 0.4, latency_ms: 2}"
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 20, responseCache: cache))
        sim.advance(to: 300)
        let hitRate = Double(sim.totals.responseCacheHits) / Double(sim.totals.arrived)
        #expect(abs(hitRate - 0.4) < 0.03)
        let resp = sim.snapshot().caches.first { $0.kind == .response }
        #expect(resp?.hitRate.map { abs($0 - 0.4) < 0.06 } == true)
    }

    @Test func prefixCacheHitsAreTokenWeighted() throws {
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 10))
        sim.advance(to: 300)
        let pfx = sim.snapshot().caches.first { $0.kind == .prefix }!.hitRate!
        // Half the requests share a 128-token prefix of prompts with a ~450-token mean.
        #expect(pfx > 0.05 && pfx < 0.25)
    }

    @Test func overloadBreachesTheSLOAndShedsWithEvents() throws {
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 200, nodes: 1, maxNumSeqs: 16))
        sim.advance(to: 120)
        let snap = sim.snapshot()
        #expect(!snap.latency[0].breached.isEmpty)
        #expect(snap.pools[0].shedRate > 0)
        #expect(snap.events.contains { $0.kind == .sloBreach && $0.severity == .critical })
        #expect(snap.events.contains { $0.kind == .load && $0.message.contains("shedding") })
    }

    @Test func costsFollowGPUsAndTheAPIBaseline() throws {
        let sim = FleetSimulator(scenario: try Fixtures.scenario("bank"))
        sim.advance(to: 120)
        #expect(abs(sim.snapshot().cost.dollarsPerHour - 16 * 8 * 1.90) < 0.01)
        sim.advance(to: 300)
        let c = sim.snapshot().cost
        // The scripted scale-up at 130 s added 8 nodes, billed from the moment they start.
        #expect(abs(c.dollarsPerHour - 24 * 8 * 1.90) < 0.01)
        #expect(c.apiBaselinePerHour > c.dollarsPerHour)
        #expect(c.dollarsPerMillionRequests != nil)
        // At the market-open peak (its ramp done by 540 s) the fleet pays for itself.
        sim.advance(to: 600)
        let peak = sim.snapshot().cost
        #expect((peak.savings ?? 0) > 0.3 && (peak.savings ?? 0) < 0.9, "\(peak.savings ?? -1)")
    }

    @Test func snapshotJSONHasTheDocumentedKeys() throws {
        let sim = FleetSimulator(scenario: try Fixtures.scenario("edge"))
        sim.advance(to: 60)
        let data = try JSONEncoder().encode(sim.snapshot())
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        for key in ["time", "pools", "nodes", "caches", "latency", "cost", "events"] { #expect(obj[key] != nil, "\(key)") }
        let nodes = obj["nodes"] as! [[String: Any]]
        #expect(nodes.count == 12)
        #expect(nodes.allSatisfy { $0["id"] is String && $0["pool"] is String && $0["state"] is String })
        #expect((obj["pools"] as! [[String: Any]]).allSatisfy { $0["id"] is String })
        let back = try JSONDecoder().decode(FleetSnapshot.self, from: data)
        #expect(back == sim.snapshot())
    }
}

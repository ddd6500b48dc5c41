import FleetCore
import Foundation
import Testing
@testable import Scheduler

/// The policies a backtest compares, and the advisor's scale-in.
@Suite struct BacktestTests {
    static func reading(live: Int = 2, provisioned: Int? = nil, waiting: Int = 0, kv: Double = 0.5) -> PoolReading {
        PoolReading(pool: "p", live: live, provisioned: provisioned ?? live, waiting: waiting, running: 10, kvUsage: kv)
    }

    @Test func aThresholdAutoscalerWaitsOutItsWindowsAndStaysInItsBounds() {
        var a = ThresholdAutoscaler(signal: .queue, maxReplicas: 3)
        // Up only after 30 s of a queue over 2 per replica.
        #expect(a.decide(Self.reading(waiting: 10), dt: 15) == 0)
        #expect(a.decide(Self.reading(waiting: 10), dt: 15) == 1)
        // A reading under the threshold resets the window.
        #expect(a.decide(Self.reading(waiting: 10), dt: 15) == 0)
        #expect(a.decide(Self.reading(waiting: 2), dt: 15) == 0)
        #expect(a.decide(Self.reading(waiting: 10), dt: 15) == 0)
        // Never past the ceiling, counting replicas still starting.
        #expect(a.decide(Self.reading(live: 2, provisioned: 3, waiting: 50), dt: 60) == 0)
        // Down after five quiet minutes, never under the floor, never while one is starting.
        for _ in 0..<9 { #expect(a.decide(Self.reading(waiting: 0), dt: 30) == 0) }
        #expect(a.decide(Self.reading(waiting: 0), dt: 30) == -1)
        #expect(a.decide(Self.reading(live: 1, waiting: 0), dt: 600) == 0)
        #expect(a.decide(Self.reading(live: 2, provisioned: 3, waiting: 0), dt: 600) == 0)

        var kv = ThresholdAutoscaler(signal: .kvAndQueue, maxReplicas: 8)
        #expect(kv.wish(Self.reading(kv: 0.85)) == 1)
        #expect(kv.wish(Self.reading(waiting: 6, kv: 0.3)) == 1)
        #expect(kv.wish(Self.reading(kv: 0.3)) == -1)
        #expect(kv.wish(Self.reading(waiting: 1, kv: 0.3)) == 0)
        #expect(kv.wish(Self.reading(kv: 0.6)) == 0)
        kv.scaleUpAfter = 0
        #expect(kv.decide(Self.reading(kv: 0.9), dt: 30) == 1)
        #expect(ThresholdAutoscaler.variants(.queue, maxReplicas: 8).count == 6)
    }

    @Test func theStaticFleetBillsItsNodesForTheWholeRunAndRunsAreRepeatable() throws {
        let sc = try Fixtures.steadyPool(rate: 8, nodes: 3)
        let a = PolicyBacktest.run(sc, policy: .staticFleet, duration: 1800, seed: 4)
        // 3 nodes of 1 H100 for half an hour.
        #expect(abs(a.gpuHours - 1.5) < 1e-9)
        #expect(a.actions == 0 && a.log.isEmpty)
        #expect(a.requests > 13_000 && a.meetsSLO)
        let b = PolicyBacktest.run(sc, policy: .staticFleet, duration: 1800, seed: 4)
        #expect(a.attainment == b.attainment && a.requests == b.requests)
        let q = PolicyBacktest.run(sc, policy: .queue, duration: 1800, seed: 4)
        #expect(q.requests == a.requests)   // the same traffic under every policy
    }

    @Test func theAdvisorScalesInAnOverProvisionedPoolAndKeepsItsSLO() throws {
        // Eight nodes for a load one or two carry.
        let sc = try Fixtures.steadyPool(rate: 6, nodes: 8)
        let advisor = PolicyBacktest.run(sc, policy: .advisor, duration: 3600, seed: 2)
        let still = PolicyBacktest.run(sc, policy: .staticFleet, duration: 3600, seed: 2)
        #expect(advisor.meetsSLO, "\(advisor.log)")
        #expect(advisor.gpuHours < 0.6 * still.gpuHours, "\(advisor.gpuHours) of \(still.gpuHours): \(advisor.log)")
        #expect(advisor.log.allSatisfy { $0.contains("-") }, "\(advisor.log)")
        #expect(advisor.shed == 0)
    }

    /// A flat load that one replica would carry only just: the advisor settles, it does not
    /// flap between one and two (the 2 <-> 1 oscillation).
    @Test func aFlatLoadBetweenOneAndTwoReplicasDoesNotFlap() throws {
        for rate in [10.0, 14.0, 18.0] {
            let sc = try Fixtures.steadyPool(rate: rate, nodes: 2)
            let r = PolicyBacktest.run(sc, policy: .advisor, duration: 3 * 3600, seed: 9)
            let scales = r.log.filter { $0.contains("replica") }
            #expect(scales.count <= 2, "at \(rate)/s: \(r.log)")
            let ups = scales.filter { $0.contains("+") }.count, downs = scales.count - ups
            #expect(ups == 0 || downs == 0 || scales.count <= 2, "at \(rate)/s: \(r.log)")
            #expect(r.meetsSLO, "at \(rate)/s: \(r.log)")
        }
    }

    @Test func scaleInCandidatesNeverTakeMoreThanHalfOrTheLastReplica() throws {
        func titles(_ nodes: Int) throws -> [String] {
            FleetSimulator(scenario: try Fixtures.steadyPool(rate: 1, nodes: nodes)).scaleInCandidates(forPool: "p").map(\.title)
        }
        #expect(try titles(1).isEmpty)
        #expect(try titles(2) == ["scale p -1"])
        #expect(try titles(3) == ["scale p -1"])
        #expect(try titles(4) == ["scale p -1", "scale p -2"])
        #expect(try titles(8) == ["scale p -1", "scale p -2", "scale p -4"])
    }
}

/// The GPU types a pool could run on, ranked by what its SLO costs on each.
@Suite struct GPUTypePlannerTests {
    @Test func eachTypeGetsTheFewestReplicasThatMeetTheSLOAndTheCheapestComesFirst() throws {
        let sc = try Fixtures.steadyPool(rate: 30, nodes: 3)
        let plan = GPUTypePlanner.plan(sc, pool: "p", warmup: 120, measure: 300)
        #expect(Set(plan.map(\.gpu)) == ["A100-80GB", "A10G", "H100-SXM", "L4"])
        let costs = plan.compactMap(\.dollarsPerHour)
        #expect(!costs.isEmpty && costs == costs.sorted())
        // The first option really is the fewest: one replica fewer misses.
        let first = try #require(plan.first)
        let nodes = try #require(first.nodes)
        var base = PolicyBacktest.unmanaged(sc)
        base.startTimeOfDay = GPUTypePlanner.peakTimeOfDay(sc.workload) - 120
        guard case .gpu(let spec) = sc.pools[0].kind else { Issue.record("not a GPU pool"); return }
        let gpu = try #require(GPUSpec.catalog[first.gpu])
        #expect(GPUTypePlanner.fewestReplicas(base, pool: 0, spec: spec, gpu: gpu, perNode: first.gpusPerNode, ceiling: 64,
                                              warmup: 120, measure: 300, seed: sc.seed)?.0 == nodes)
        if nodes > 1 {
            #expect(GPUTypePlanner.fewestReplicas(base, pool: 0, spec: spec, gpu: gpu, perNode: first.gpusPerNode, ceiling: nodes - 1,
                                                  warmup: 120, measure: 300, seed: sc.seed) == nil)
        }
    }

    @Test func aModelThatFitsNowhereIsSaidSo() {
        let huge = ModelSpec(name: "huge", parametersBillions: 900, quantization: .bf16, layers: 120, kvHeads: 8, headDim: 128)
        #expect(GPUTypePlanner.gpusPerNode(huge, on: GPUSpec.catalog["L4"]!, utilization: 0.9).isEmpty)
        #expect(GPUTypePlanner.gpusPerNode(huge, on: GPUSpec.catalog["H100-SXM"]!, utilization: 0.9).isEmpty)
        // 26 GB of 13B weights need two 24 GB L4s, one 80 GB H100.
        let mid = ModelSpec(name: "13b", parametersBillions: 13, quantization: .bf16, layers: 40, kvHeads: 8, headDim: 128)
        #expect(GPUTypePlanner.gpusPerNode(mid, on: GPUSpec.catalog["L4"]!, utilization: 0.9) == [2, 4, 8])
        #expect(GPUTypePlanner.gpusPerNode(mid, on: GPUSpec.catalog["H100-SXM"]!, utilization: 0.9) == [1, 2, 4, 8])
    }
}

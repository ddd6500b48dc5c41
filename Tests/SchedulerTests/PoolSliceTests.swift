import FleetCore
import Foundation
import Testing
@testable import Scheduler

/// A big pool played as a slice of itself (`PoolSlice`, Docs/twin.md "Slices"): a fifth of
/// the nodes at a real node's load must show the whole pool's latency and bill its price, and
/// a scale action must move the real counts.
@Suite struct PoolSliceTests {
    /// The steady pool of `nodes` real replicas, played on `simulated` of them.
    static func pool(nodes: Int, simulated: Int, rate: Double) throws -> Scenario {
        var sc = try Fixtures.steadyPool(rate: rate, nodes: nodes)
        guard case .gpu(var g) = sc.pools[0].kind else { throw FleetActionError("not a GPU pool") }
        g.nodes = simulated
        if simulated < nodes { g.representedNodes = nodes }
        sc.pools[0].kind = .gpu(g)
        return sc
    }

    static func play(_ sc: Scenario, seconds: Double) -> SimulationReport.Pool? {
        let sim = FleetSimulator(scenario: sc, seed: 7)
        sim.advance(to: 60)
        sim.collectReport()
        sim.advance(to: 60 + seconds)
        return sim.report(duration: seconds)?.pools.first
    }

    @Test func aFifthOfThePoolAtARealNodesLoadShowsTheWholePoolsLatencyAndPrice() async throws {
        let (whole, slice) = try await offPool { () throws -> (SimulationReport.Pool?, SimulationReport.Pool?) in
            (Self.play(try Self.pool(nodes: 40, simulated: 40, rate: 160), seconds: 240),
             Self.play(try Self.pool(nodes: 40, simulated: 8, rate: 160), seconds: 240))
        }
        let w = try #require(whole), s = try #require(slice)
        // A fifth of the requests are played, and the report still counts the pool's nodes and bills them all.
        #expect(abs(Double(s.requests) / Double(w.requests) - 0.2) < 0.02, "\(s.requests) of \(w.requests)")
        #expect(s.nodes == 40)
        #expect(abs(s.costUSD - w.costUSD) < 1e-6 * w.costUSD)
        // Each node sees a real node's load, so the percentiles are the whole pool's.
        let (we, se) = (try #require(w.e2e?.p95), try #require(s.e2e?.p95))
        #expect(abs(se - we) / we < 0.1, "slice p95 \(se) s, whole \(we) s")
        let (wt, st) = (try #require(w.tpot?.p50), try #require(s.tpot?.p50))
        #expect(abs(st - wt) / wt < 0.1, "slice TPOT \(st) s, whole \(wt) s")
    }

    @Test func scalingASliceMovesTheRealReplicasAndEachNodesShare() throws {
        let sim = FleetSimulator(scenario: try Self.pool(nodes: 40, simulated: 8, rate: 40), seed: 3)
        sim.advance(to: 10)
        // +4 of 40: one simulated node starts, standing for four; the bill has 44 at once.
        guard case .success = sim.perform(.scale(pool: "p", delta: 4)) else { Issue.record("scale up refused"); return }
        #expect(sim.replicas(of: "p") == 44)
        #expect(sim.pools[0].nodeIndices.count == 9)
        guard case .gpu(let g) = sim.scenario.pools[0].kind else { return }
        let pricePerNode = Double(g.gpusPerNode) * g.gpu.pricePerHour
        #expect(abs(sim.pools[0].dollarsPerHour - 44 * pricePerNode) < 1e-9)
        // Until it is ready the share is still 8 of 40; then 9 of 44.
        #expect(abs(try #require(sim.state.pools[0].slice).keep - 8.0 / 40) < 1e-12)
        sim.advance(to: 10 + FleetSimulator.coldStart(sim.scenario.pools[0]) + 1)
        #expect(abs(try #require(sim.state.pools[0].slice).keep - 9.0 / 44) < 1e-12)
        #expect(abs(sim.simulatedShare - 9.0 / 44) < 1e-12)

        // -10 of 44: two of the nine simulated nodes drain; the other seven carry 34 real ones' share.
        guard case .success = sim.perform(.scale(pool: "p", delta: -10)) else { Issue.record("scale down refused"); return }
        #expect(sim.replicas(of: "p") == 34)
        #expect(sim.pools[0].nodeIndices.filter { sim.nodes[$0].state == .draining }.count == 2)
        #expect(abs(try #require(sim.state.pools[0].slice).keep - 7.0 / 34) < 1e-12)
        #expect(abs(sim.pools[0].dollarsPerHour - 34 * pricePerNode) < 1e-9)
        // Never below one real replica.
        guard case .failure(let e) = sim.perform(.scale(pool: "p", delta: -34)) else { Issue.record("scaled to nothing"); return }
        #expect(e.description.contains("no replica left"))
    }

    @Test func aTwinOfABusyFleetIsPlayedAsASliceAndSaysSo() async throws {
        let (slice, whole, simulated) = try await offPool { () throws -> ([TwinPoolReport], [TwinPoolReport], Int) in
            let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 160, nodes: 40))
            let sliced = FleetTwin(), full = FleetTwin()
            full.simulatedRate = .infinity
            for t in stride(from: 1.0, through: 120, by: 1) {
                sim.advance(to: t)
                sliced.observe(sim.snapshot())
                full.observe(sim.snapshot())
            }
            let fleet = try #require(sliced.calibrate())
            #expect(fleet.replicas(of: "p") == 40)
            _ = full.calibrate()
            return (sliced.reports, full.reports, fleet.pools[0].nodeIndices.count)
        }
        let s = try #require(slice.first), w = try #require(whole.first)
        // 30 requests/s of about 160: about a fifth of the 40 nodes.
        #expect(simulated == Int((40 * FleetTwin().simulatedRate / s.arrivalRate).rounded(.up)), "\(simulated) nodes at \(s.arrivalRate) req/s")
        #expect(s.notes.contains { $0.contains("played as a slice: \(simulated) of 40 nodes") }, "\(s.notes)")
        #expect(!w.notes.contains { $0.contains("slice") })
        let (sp, wp) = (try #require(s.predicted?.e2eP95), try #require(w.predicted?.e2eP95))
        #expect(abs(sp - wp) / wp < 0.1, "slice predicted \(sp) s, whole \(wp) s")
    }

    /// The queue a watched pool holds beyond the twin's steady state is admitted in the
    /// slice's share: a quarter of the nodes hold a quarter of the burst.
    @Test func aSliceTakesItsShareOfTheBacklog() async throws {
        let (queued, keep, note) = try await offPool { () throws -> (Int, Double, Bool) in
            let twin = Fixtures.twinAfterBurst(try Fixtures.steadyPool(rate: 160, nodes: 40), burst: 4000)
            let fleet = try #require(twin.calibrate())
            let keep = try #require(fleet.state.pools[0].slice?.keep)
            let queued = fleet.pools[0].nodeIndices.reduce(0) { $0 + fleet.nodes[$1].load }
            return (queued, keep, twin.reports.first?.notes.contains { $0.contains("what-ifs start with") } ?? false)
        }
        #expect(note)
        // About 4,000 x keep more in the slice (some already in its batches), not 4,000.
        #expect(Double(queued) > 0.8 * 4000 * keep && Double(queued) < 1.5 * 4000 * keep, "\(queued) held at keep \(keep)")
    }
}

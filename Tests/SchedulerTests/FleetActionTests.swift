import FleetCore
import Foundation
import Testing
@testable import Scheduler

/// The simulator actuator: what each action does to the fleet, against a twin run with the
/// same seed and no action.
@Suite struct FleetActionTests {
    func twins(_ scenario: Scenario, until t: Double) -> (FleetSimulator, FleetSimulator) {
        let a = FleetSimulator(scenario: scenario, seed: 5), b = FleetSimulator(scenario: scenario, seed: 5)
        a.advance(to: t)
        b.advance(to: t)
        return (a, b)
    }

    /// What changed between two points of a run, per pool: arrivals, sheds, tokens out.
    struct Delta {
        var arrivedByPool: [String: Int] = [:], shedByPool: [String: Int] = [:], tokensOutByPool: [String: Int] = [:]
    }

    func delta(_ sim: FleetSimulator, from t0: Double, to t1: Double, _ body: () -> Void = {}) -> Delta {
        let before = sim.poolTotals
        body()
        sim.advance(to: t1)
        var d = Delta()
        for (k, v) in sim.poolTotals {
            let b = before[k] ?? FleetSimulator.PoolTotals()
            d.arrivedByPool[k] = v.arrived - b.arrived
            d.shedByPool[k] = v.shed - b.shed
            d.tokensOutByPool[k] = v.tokensOut - b.tokensOut
        }
        return d
    }

    /// Scale-ups, scripted or pressed, cannot take a fleet past the node cap a scenario has.
    @Test func aScaleUpPastTheNodeCapIsRefused() throws {
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 1, nodes: 2), seed: 5)
        guard case .failure(let e) = sim.perform(.scale(pool: "p", delta: Scenario.maxNodes)) else {
            Issue.record("a scale-up past the cap was taken"); return
        }
        #expect("\(e)".contains("at most \(Scenario.maxNodes)"))
        #expect(sim.snapshot().nodes.count == 2)
    }

    @Test func aScaleUpServesAfterItsColdStartAndTheQueueDrains() throws {
        let sc = try Fixtures.steadyPool(rate: 60, nodes: 2)
        let (acted, twin) = twins(sc, until: 60)
        guard case .success(let text) = acted.perform(.scale(pool: "p", delta: 4)) else { Issue.record("scale failed"); return }
        #expect(text.contains("+4 replicas"))
        acted.advance(to: 61)
        let starting = try #require(acted.snapshot().pool("p"))
        #expect(starting.nodes == 6 && starting.nodesUp == 2)      // provisioned, not serving yet
        #expect(acted.snapshot().nodes.filter { $0.stateReason?.hasPrefix("starting") == true }.count == 4)
        let cold = FleetSimulator.coldStart(sc.pools[0].model)
        acted.advance(to: 60 + cold + 120)
        twin.advance(to: 60 + cold + 120)
        let after = try #require(acted.snapshot().pool("p")), base = try #require(twin.snapshot().pool("p"))
        #expect(after.nodesUp == 6)
        #expect(after.waiting < base.waiting, "queue \(after.waiting) vs \(base.waiting) without the scale-up")
        #expect(acted.snapshot().events.contains { $0.kind == .node && $0.message.contains("ready") })
        #expect(acted.snapshot().cost.dollarsPerHour == 3 * twin.snapshot().cost.dollarsPerHour)
    }

    @Test func aScaleDownDrainsThenRemoves() throws {
        let sim = FleetSimulator(scenario: try Fixtures.steadyPool(rate: 5, nodes: 3), seed: 2)
        sim.advance(to: 30)
        #expect((try? sim.perform(.scale(pool: "p", delta: -1)).get()) != nil)
        #expect(sim.snapshot(refresh: true).nodes.filter { $0.state == .draining }.map(\.id) == ["p-03"])   // the newest
        sim.advance(to: 200)
        #expect(sim.snapshot().pool("p")?.nodes == 2)
        #expect(sim.snapshot().events.contains { $0.message.contains("drained and removed") })
        if case .success = sim.perform(.scale(pool: "p", delta: -5)) { Issue.record("scaled a pool to nothing") }
    }

    @Test func shedLowPriorityRefusesOnlyTheLeastImportantClass() throws {
        let sc = try Fixtures.scenario("ecommerce")
        let (acted, twin) = twins(sc, until: 30)
        let d = delta(acted, from: 30, to: 90) { acted.perform(.degrade(pool: "content-mistral-7b", mode: .shedLowPriority, on: true)) }
        let b = delta(twin, from: 30, to: 90)
        // product-copy (priority 0) is all of content-mistral-7b's traffic.
        #expect(d.shedByPool["content-mistral-7b", default: 0] > b.shedByPool["content-mistral-7b", default: 0] + 100)
        #expect(d.shedByPool["cs-llama3-8b", default: 0] == b.shedByPool["cs-llama3-8b", default: 0])
        // Off again: nothing more is refused for it.
        let after = delta(acted, from: 90, to: 150) { acted.perform(.degrade(pool: "content-mistral-7b", mode: .shedLowPriority, on: false)) }
        let twinAfter = delta(twin, from: 90, to: 150)
        #expect(after.shedByPool["content-mistral-7b", default: 0] == twinAfter.shedByPool["content-mistral-7b", default: 0])
    }

    @Test func capMaxTokensShortensAnswers() throws {
        let sc = try Fixtures.scenario("ecommerce")
        let (acted, twin) = twins(sc, until: 30)
        let d = delta(acted, from: 30, to: 150) { acted.perform(.degrade(pool: "content-mistral-7b", mode: .capMaxTokens, on: true)) }
        let b = delta(twin, from: 30, to: 150)
        // product-copy answers (median 220 tokens, up to 1,024) lose everything past 256.
        let capped = d.tokensOutByPool["content-mistral-7b", default: 0], full = b.tokensOutByPool["content-mistral-7b", default: 0]
        #expect(Double(capped) < 0.9 * Double(full), "\(capped) vs \(full)")
        #expect(d.tokensOutByPool["cs-llama3-8b"] == b.tokensOutByPool["cs-llama3-8b"])
    }

    @Test func cacheOnlyRefusesMissesAndTheTiersReroute() throws {
        let sc = try Fixtures.scenario("ecommerce")
        var (acted, twin) = twins(sc, until: 30)
        var d = delta(acted, from: 30, to: 90) { acted.perform(.degrade(pool: "cs-llama3-8b", mode: .cacheOnly, on: true)) }
        var b = delta(twin, from: 30, to: 90)
        // About 45% of its traffic misses the cache and is refused.
        #expect(d.shedByPool["cs-llama3-8b", default: 0] > b.shedByPool["cs-llama3-8b", default: 0] + 1000)

        (acted, twin) = twins(sc, until: 30)
        d = delta(acted, from: 30, to: 90) { acted.perform(.degrade(pool: "cs-llama3-8b", mode: .smallerModel, on: true)) }
        b = delta(twin, from: 30, to: 90)
        #expect(d.arrivedByPool["cs-llama3-8b", default: 0] == 0)
        #expect(d.arrivedByPool["content-mistral-7b", default: 0] > b.arrivedByPool["content-mistral-7b", default: 0] + 1000)

        (acted, twin) = twins(sc, until: 30)
        d = delta(acted, from: 30, to: 90) { acted.perform(.degrade(pool: "content-mistral-7b", mode: .apiFallback, on: true)) }
        b = delta(twin, from: 30, to: 90)
        #expect(d.arrivedByPool["content-mistral-7b", default: 0] == 0)
        #expect(d.arrivedByPool["gpt4-api", default: 0] > b.arrivedByPool["gpt4-api", default: 0])
    }

    /// Switching a mode off undoes it: the pool gets its own traffic back, answers grow again,
    /// cache misses are served again.
    @Test(arguments: DegradeMode.allCases)
    func everyModeIsUndoneByTogglingItOff(_ mode: DegradeMode) throws {
        let sc = try Fixtures.scenario("ecommerce")
        let pool = mode == .apiFallback || mode == .shedLowPriority || mode == .capMaxTokens ? "content-mistral-7b" : "cs-llama3-8b"
        let sim = FleetSimulator(scenario: sc, seed: 9)
        sim.advance(to: 20)
        #expect((try? sim.perform(.degrade(pool: pool, mode: mode, on: true)).get()) != nil)
        let during = delta(sim, from: 20, to: 60)
        #expect(sim.snapshot().pool(pool)?.degradeModes == [mode])
        #expect((try? sim.perform(.degrade(pool: pool, mode: mode, on: false)).get()) != nil)
        _ = delta(sim, from: 60, to: 90)           // queues settle
        let after = delta(sim, from: 90, to: 150)
        #expect(sim.snapshot().pool(pool)?.degradeModes == nil)
        let perSecond = { (t: Delta, key: KeyPath<Delta, [String: Int]>, seconds: Double) in
            Double(t[keyPath: key][pool, default: 0]) / seconds
        }
        switch mode {
        case .smallerModel, .apiFallback:
            #expect(perSecond(during, \.arrivedByPool, 40) == 0)
            #expect(perSecond(after, \.arrivedByPool, 60) > 10)
        case .cacheOnly, .shedLowPriority:
            #expect(perSecond(after, \.shedByPool, 60) < perSecond(during, \.shedByPool, 40) / 4)
        case .capMaxTokens:
            let tokensDuring = perSecond(during, \.tokensOutByPool, 40), tokensAfter = perSecond(after, \.tokensOutByPool, 60)
            #expect(tokensAfter > tokensDuring * 1.05, "\(tokensAfter) vs \(tokensDuring)")
        }
    }

    @Test func aBlueGreenShiftMovesTraffic() throws {
        let sc = try Fixtures.scenario("bank")
        let (acted, twin) = twins(sc, until: 30)
        let d = delta(acted, from: 30, to: 150) { acted.perform(.shift(toward: "chat-70b-green", from: "chat-70b-blue", percent: 10)) }
        let b = delta(twin, from: 30, to: 150)
        #expect(d.arrivedByPool["chat-70b-green", default: 0] > b.arrivedByPool["chat-70b-green", default: 0] * 3 / 2)
        if case .success = acted.perform(.shift(toward: "nowhere", from: "chat-70b-blue", percent: 10)) { Issue.record("shifted to no pool") }
    }

    @Test func scriptedActionsLoadAndRun() throws {
        let sc = try Fixtures.steadyPool(rate: 20, incidents: """
            actions:
              - {at: 10, kind: scale, pool: p, delta: 2, label: "predictive scale-up"}
              - {at: 20, kind: degrade, pool: p, mode: cap_max_tokens, duration: 30}
            """)
        #expect(sc.actions.count == 3)     // the degrade and its end
        let sim = FleetSimulator(scenario: sc, seed: 1)
        sim.advance(to: 60)
        let actions = sim.snapshot().events.filter { $0.kind == .action }.map(\.message)
        #expect(actions.contains { $0.contains("predictive scale-up: p +2 replicas") })
        #expect(actions.contains { $0.contains("cap max output tokens at 256 on") })
        #expect(actions.contains { $0.contains("cap max output tokens at 256 off") })
        #expect(throws: ConfigFileError.self) {
            try Fixtures.steadyPool(rate: 1, incidents: "actions:\n  - {at: 1, kind: scale, pool: nope, delta: 1}")
        }
    }
}

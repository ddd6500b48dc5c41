import FleetCore
import Testing
@testable import Scheduler

/// Rounds run at the full pace while a candidate waits on the hysteresis, otherwise only when
/// the fleet moves, an action is applied, or the last round is five minutes old.
@Suite struct RoundTriggerTests {
    func fleet(_ time: Double, rate: Double = 20, up: Int = 4, waiting: Int = 0) -> FleetSnapshot {
        let pool = PoolSnapshot(id: "chat", kind: .gpu, engine: "vllm", model: "m", nodes: 4, nodesUp: up, running: 8, waiting: waiting,
                                arrivalRate: rate, completionRate: rate, shedRate: 0, history: PoolHistory(capacity: 60))
        return FleetSnapshot(time: time, timeOfDay: time, source: SourceInfo(kind: .simulation, name: "t", title: "t"), pools: [pool],
                             nodes: [], caches: [], latency: [], cost: CostSnapshot(pools: [], history: SeriesRing(capacity: 1)), events: [])
    }

    func advice(_ top: String, action: OperatorAction? = nil, active: Bool = false) -> FleetAdvice {
        let r = Recommendation(action: action, title: top, pool: "chat", attainment: 1, meetsSLO: true, e2eP95: nil, ttftP95: nil,
                               queuePeak: 0, shed: 0, costDeltaPerHour: 0, timeToEffect: 0, risk: .harmless, why: "")
        return FleetAdvice(time: 0, horizon: 600, forecasts: [], recommendations: [r], active: active ? r : nil, warnings: [],
                           routing: nil, roundSeconds: 0)
    }

    /// Loads and queues are read over the last minute: a noisy second moves nothing.
    @Test func aMinutesMeanNotATicksCountMovesTheLoad() {
        var t = RoundTrigger()
        var s = fleet(0, rate: 3)
        for i in 0..<60 { s.pools[0].history.arrivalRate.append(i % 2 == 0 ? 1 : 5); s.pools[0].history.waiting.append(i % 3 == 0 ? 2 : 0) }
        t.ran(s, advice: advice("do nothing"))
        var noisy = s
        noisy.time = 20
        noisy.pools[0].arrivalRate = 5
        noisy.pools[0].waiting = 4
        #expect(!t.due(noisy, interval: 15, acted: false))
        for _ in 0..<60 { noisy.pools[0].history.arrivalRate.append(6) }
        #expect(t.due(noisy, interval: 15, acted: false))
    }

    @Test func aStillFleetIsAskedEveryFiveMinutesUnlessAChoiceWaitsOnTheHysteresis() {
        var t = RoundTrigger()
        #expect(t.due(fleet(0), interval: 15, acted: false))
        // The best candidate is not yet recommended: the next round runs on time to confirm it.
        t.ran(fleet(0), advice: advice("scale chat +1", action: .scale(pool: "chat", delta: 1)))
        #expect(!t.due(fleet(10), interval: 15, acted: false))
        #expect(t.due(fleet(15), interval: 15, acted: false))
        // Recommended (or nothing to do): the answer stands until the fleet moves.
        t.ran(fleet(15), advice: advice("scale chat +1", action: .scale(pool: "chat", delta: 1), active: true))
        #expect(!t.due(fleet(30), interval: 15, acted: false) && !t.due(fleet(314), interval: 15, acted: false))
        #expect(t.due(fleet(315), interval: 15, acted: false))
        // What moves the fleet brings the round back at once.
        #expect(t.due(fleet(30, rate: 24), interval: 15, acted: false))
        #expect(!t.due(fleet(30, rate: 22.5), interval: 15, acted: false))
        #expect(t.due(fleet(30, up: 3), interval: 15, acted: false))
        #expect(t.due(fleet(30, waiting: 12), interval: 15, acted: false))
        #expect(t.due(fleet(30), interval: 15, acted: true))
        #expect(t.due(fleet(5), interval: 15, acted: false))   // the source started over
        t.ran(fleet(30), advice: advice("do nothing"))
        #expect(!t.due(fleet(45), interval: 15, acted: false))
        // A warning of a breach keeps the full pace too.
        var warned = advice("do nothing")
        warned.warnings = [EarlyWarning(pool: "chat", objective: SLOObjective(metric: .e2e, percentile: 95, target: 2), breachIn: 8,
                                        coldStart: 30, message: "act now")]
        t.ran(fleet(45), advice: warned)
        #expect(t.due(fleet(60), interval: 15, acted: false))
    }
}

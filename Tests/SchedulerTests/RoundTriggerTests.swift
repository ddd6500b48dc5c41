import FleetCore
import Testing
@testable import Scheduler

/// Rounds run at the full pace until two agree, then only when the fleet moves, an action is
/// applied, or the last round is a minute old.
@Suite struct RoundTriggerTests {
    func fleet(_ time: Double, rate: Double = 20, up: Int = 4, waiting: Int = 0) -> FleetSnapshot {
        let pool = PoolSnapshot(id: "chat", kind: .gpu, engine: "vllm", model: "m", nodes: 4, nodesUp: up, running: 8, waiting: waiting,
                                arrivalRate: rate, completionRate: rate, shedRate: 0, history: PoolHistory(capacity: 2))
        return FleetSnapshot(time: time, timeOfDay: time, source: SourceInfo(kind: .simulation, name: "t", title: "t"), pools: [pool],
                             nodes: [], caches: [], latency: [], cost: CostSnapshot(pools: [], history: SeriesRing(capacity: 1)), events: [])
    }

    func advice(_ top: String) -> FleetAdvice {
        let r = Recommendation(action: nil, title: top, pool: "chat", attainment: 1, meetsSLO: true, e2eP95: nil, ttftP95: nil,
                               queuePeak: 0, shed: 0, costDeltaPerHour: 0, timeToEffect: 0, risk: .harmless, why: "")
        return FleetAdvice(time: 0, horizon: 600, forecasts: [], recommendations: [r], active: nil, warnings: [], routing: nil, roundSeconds: 0)
    }

    @Test func aStillFleetIsAskedOnceAMinuteOnceTwoRoundsAgree() {
        var t = RoundTrigger()
        #expect(t.due(fleet(0), interval: 15, acted: false))
        t.ran(fleet(0), advice: advice("do nothing"))
        #expect(!t.due(fleet(10), interval: 15, acted: false))
        // One answer is not yet settled: the next round runs on time.
        #expect(t.due(fleet(15), interval: 15, acted: false))
        t.ran(fleet(15), advice: advice("do nothing"))
        #expect(!t.due(fleet(30), interval: 15, acted: false) && !t.due(fleet(74), interval: 15, acted: false))
        #expect(t.due(fleet(75), interval: 15, acted: false))
        // What moves the fleet brings the round back at once.
        #expect(t.due(fleet(30, rate: 22.5), interval: 15, acted: false))
        #expect(!t.due(fleet(30, rate: 21.5), interval: 15, acted: false))
        #expect(t.due(fleet(30, up: 3), interval: 15, acted: false))
        #expect(t.due(fleet(30, waiting: 12), interval: 15, acted: false))
        #expect(t.due(fleet(30), interval: 15, acted: true))
        #expect(t.due(fleet(5), interval: 15, acted: false))   // the source started over
        // Answers that differ keep the full pace.
        t.ran(fleet(30), advice: advice("scale chat +1"))
        #expect(t.due(fleet(45), interval: 15, acted: false))
    }
}

import FleetCore
import Foundation
import Testing
@testable import Scheduler

@Suite struct AdvisorTests {
    static let blue = "chat-70b-blue"

    /// The bank without its scripted timeline: the predictive scale-up is the advisor's job.
    static func bank() throws -> Scenario {
        var sc = try Fixtures.scenario("bank")
        sc.actions = []
        return sc
    }

    static func firstBreach(of pool: String, in sim: FleetSimulator, until: Double) -> Double? {
        let pi = sim.pools.firstIndex { $0.spec.id == pool }!
        while sim.now < until {
            sim.advance(to: sim.now + 1)
            if !sim.pools[pi].breached.isEmpty { return sim.now }
        }
        return nil
    }

    struct PeakOutcome: Sendable {
        var breachAt: Double
        var recommendedAt: Double
        var title: String
        var predictedP95: Double
        var actualP95: Double
    }

    @Test func onTheBankPeakItScalesUpBeforeTheBreachAndItsPredictionHolds() async throws {
        let o = try await offPool { () throws -> PeakOutcome in
            let sc = try Self.bank()
            let control = FleetSimulator(scenario: sc)
            let breachAt = try #require(Self.firstBreach(of: Self.blue, in: control, until: 900))

            let sim = FleetSimulator(scenario: sc)
            var settings = Advisor.Settings()
            settings.seed = 7
            settings.routingRetrainRounds = 0
            let advisor = Advisor(settings: settings)
            var found: (Double, Recommendation)?
            var horizon = settings.horizon
            while found == nil, sim.now < breachAt {
                sim.advance(to: sim.now + 1)
                let snapshot = sim.snapshot()
                advisor.observe(snapshot)
                // Rounds from three minutes in: the start is the green canary's, not the peak's.
                guard sim.now >= 180, Int(sim.now) % 15 == 0 else { continue }
                let advice = advisor.round(fleet: sim, snapshot: snapshot).advice
                if let a = advice.active, case .scale(Self.blue, let d)? = a.action, d > 0 {
                    found = (sim.now, a)
                    horizon = advice.horizon
                }
            }
            let (at, rec) = try #require(found)
            guard case .scale(let pool, let delta)? = rec.action else { throw CancellationError() }
            sim.perform(.scale(pool: pool, delta: delta))
            sim.collectReport()
            sim.advance(to: sim.now + horizon)
            let actual = try #require(sim.report(duration: horizon)?.pools.first { $0.pool == Self.blue }?.e2e?.p95)
            return PeakOutcome(breachAt: breachAt, recommendedAt: at, title: rec.title, predictedP95: rec.e2eP95 ?? 0, actualP95: actual)
        }
        print("bank peak: breach without action at \(o.breachAt) s; '\(o.title)' recommended at \(o.recommendedAt) s; "
              + "predicted p95 \(o.predictedP95) s, simulated \(o.actualP95) s")
        #expect(o.recommendedAt < o.breachAt)
        #expect(abs(o.predictedP95 - o.actualP95) / o.actualP95 <= 0.2)
    }
}

/// Runs CPU-heavy work on a thread of its own, so the concurrency pool's two threads stay free
/// for other suites' async work.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}

import FleetCore
import Foundation
import Testing
@testable import Scheduler

@Suite struct AdvisorBehaviourTests {
    /// The bank at night: a tenth of its peak, no incidents, no scripted actions.
    static func calmBank() throws -> Scenario {
        var sc = try AdvisorTests.bank()
        sc.incidents = []
        sc.startTimeOfDay = 2 * 3600
        return sc
    }

    @Test func aCalmFleetGetsNothingAndTheAdviceDoesNotFlap() async throws {
        let rounds = try await offPool { () throws -> [FleetAdvice] in
            var settings = Advisor.Settings()
            settings.routingRetrainRounds = 0
            settings.horizon = 300
            let advisor = Advisor(settings: settings)
            var out: [FleetAdvice] = []
            advisor.follow(FleetSimulator(scenario: try Self.calmBank()), until: 300) { advice, _ in out.append(advice) }
            return out
        }
        #expect(rounds.count == 20)
        #expect(rounds.allSatisfy { $0.active == nil })
        #expect(rounds.allSatisfy { $0.recommendations.first?.action == nil && $0.recommendations.first?.meetsSLO == true })
        #expect(rounds.allSatisfy { $0.warnings.isEmpty })
        // The forecast follows the fleet: one band per pool, 15 minutes long.
        #expect(rounds.last?.forecasts.map(\.pool) == ["chat-70b-blue", "chat-70b-green"])
        #expect(rounds.last?.forecasts.first?.arrivalRate.horizon == 900)
    }

    @Test func hysteresisConfirmsAfterTwoRoundsAndClearsAfterThree() {
        var h = RecommendationHysteresis<String>(confirmRounds: 2, clearRounds: 3)
        // A remedy that wins every other round never becomes active: that is flapping.
        for best in ["scale a", nil, "scale a", nil, "scale a"] { #expect(h.update(best: best) == nil) }
        #expect(h.update(best: "scale a") == "scale a")
        // One calm round, or a different remedy once, does not withdraw it.
        #expect(h.update(best: nil) == "scale a")
        #expect(h.update(best: "reroute a") == "scale a")
        #expect(h.update(best: nil) == "scale a")
        #expect(h.update(best: nil) == "scale a")
        #expect(h.update(best: nil) == nil)
        // An urgent remedy (a breach sooner than a cold start) is taken at once.
        #expect(h.update(best: "scale b", urgent: true) == "scale b")
        h.acknowledge()
        #expect(h.active == nil)
    }

    @Test func recommendationsAreDeterministicForASeed() async throws {
        let (a, b, c) = try await offPool { () throws -> ([String], [String], [String]) in
            func run(seed: UInt64) throws -> [String] {
                let sim = FleetSimulator(scenario: try AdvisorTests.bank())
                var settings = Advisor.Settings()
                settings.seed = seed
                settings.horizon = 180
                settings.routingRetrainRounds = 0
                let advisor = Advisor(settings: settings)
                while sim.now < 380 { sim.advance(to: sim.now + 1); advisor.observe(sim.snapshot()) }
                let advice = advisor.round(fleet: sim, snapshot: sim.snapshot()).advice
                return advice.recommendations.map { "\($0.title) \($0.e2eP95 ?? -1) \($0.queuePeak) \($0.attainment)" }
            }
            return (try run(seed: 1), try run(seed: 1), try run(seed: 2))
        }
        #expect(a.count == 8)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func aForkIsTheFleetAsItStandsAndRunsOnItsOwn() throws {
        let sim = FleetSimulator(scenario: try AdvisorTests.bank())
        sim.advance(to: 400)
        let before = sim.snapshot()
        let totals = sim.totals
        let fork = FleetSimulator(forking: sim, seed: 3)
        #expect(fork.now == sim.now)
        #expect(fork.totals == totals)
        let forked = fork.snapshot(refresh: true)
        #expect(forked.nodes.map(\.running) == before.nodes.map(\.running))
        #expect(forked.nodes.map(\.waiting) == before.nodes.map(\.waiting))
        #expect(forked.nodes.map(\.kvCacheUsage) == before.nodes.map(\.kvCacheUsage))
        // The fork finishes the requests in flight and takes new ones; the original is untouched.
        fork.follow(ArrivalPath(start: fork.now, step: 10, rates: [40]))
        fork.advance(to: fork.now + 120)
        #expect(fork.totals.completed >= totals.inSystem + totals.completed)
        #expect(fork.totals.arrived > totals.arrived + 4000 && fork.totals.arrived < totals.arrived + 5600)
        #expect(sim.totals == totals)
        #expect(sim.snapshot(refresh: true).nodes.map(\.running) == before.nodes.map(\.running))
        // The scenario's future is unknown to a fork: the node failure at 720 s never comes.
        fork.advance(to: 800)
        #expect(!fork.snapshot(refresh: true).nodes.contains { $0.state == .down && $0.id == "chat-70b-blue-07" })
        sim.advance(to: 800)
        #expect(sim.snapshot(refresh: true).nodes.contains { $0.state == .down && $0.id == "chat-70b-blue-07" })
    }

    @Test func aLoadSpikeCanRamp() throws {
        var sc = try AdvisorTests.bank()
        sc.incidents = [IncidentSpec(at: 100, duration: 600, label: "ramp", kind: .loadSpike(multiplier: 3, ramp: 200))]
        let sim = FleetSimulator(scenario: sc)
        sim.advance(to: 99)
        let base = sim.offeredRate
        sim.advance(to: 200)
        let half = sim.offeredRate
        sim.advance(to: 400)
        let full = sim.offeredRate
        #expect(abs(half / base - 2) < 0.05)
        #expect(abs(full / base - 3) < 0.1)
    }

    @Test func theRoutingClassifierLearnsTheSimulatorsRoutes() async throws {
        let report = try await offPool { () throws -> RoutingReport? in
            let sim = FleetSimulator(scenario: try Fixtures.scenario("ecommerce"))
            sim.advance(to: 120)
            return RoutingClassifier.evaluate(fleet: sim, seed: 5, samples: 3000)
        }
        let r = try #require(report)
        #expect(r.trainedOn == 2100 && r.heldOut == 900)
        #expect(r.agreement > 0.8, "agreement \(r.agreement)")
        #expect(r.classifierMissRate <= r.staticMissRate + 0.02)
        #expect(abs(r.tierShares.reduce(0) { $0 + $1.share } - 1) < 1e-9)
        #expect(r.tierShares.map(\.tier).contains("gpt4-api"))
    }
}

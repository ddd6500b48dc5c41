import ArgumentParser
import Foundation
import FleetCore
import Scheduler

struct AdvisorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advisor",
        abstract: "Time a full what-if round: every candidate for a pool forked and played ahead (one core).")

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "Simulated seconds before the round (the bank's peak by default).") var at: Double = 420
    @Option(name: .long, help: "Seconds each what-if plays ahead.") var horizon: Double = 600
    @Option(name: .long, help: "The pool the candidates act on (default: the first GPU pool).") var pool: String?
    @Option(name: .long, help: "Rounds to time.") var rounds: Int = 5
    @Option(name: .long, help: "Seeds per candidate (Monte Carlo), each --horizon ahead; with more than one, a whole advisor round is timed.") var seeds: Int = 1

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard (1...3600).contains(horizon) else { throw ValidationError("--horizon must be between 1 and 3600 seconds") }
        guard (1...64).contains(seeds) else { throw ValidationError("--seeds must be between 1 and 64") }
    }

    /// A whole round as the console runs it: the baseline, the candidates of the pool at risk,
    /// each over every seed, the request budget shared among the seeds.
    final class AdvisorRound: Benchmark {
        let simulator: FleetSimulator, at: Double
        let advisor: Advisor
        var advice: FleetAdvice?

        init(_ simulator: FleetSimulator, at: Double, horizon: Double, seeds: Int) {
            self.simulator = simulator; self.at = at
            var settings = Advisor.Settings()
            settings.horizon = horizon
            settings.seeds = seeds
            // Every seed at the full horizon: the budget would otherwise trade seeds for it.
            settings.requestBudget = .infinity
            settings.routingRetrainRounds = 0
            advisor = Advisor(settings: settings)
        }

        func setUp() {
            while simulator.now < at {
                simulator.advance(to: min(at, simulator.now + simulator.sampleInterval))
                advisor.observe(simulator.snapshot())
            }
        }

        func run() -> Int {
            advice = advisor.round(fleet: simulator, snapshot: simulator.snapshot()).advice
            return advice!.recommendations.count
        }
    }

    /// Every candidate for one pool forked and played `horizon` seconds ahead, a round.
    final class WhatIfRound: Benchmark {
        let simulator: FleetSimulator, at: Double, horizon: Double, pool: String?
        let advisor: Advisor
        var candidates: [WhatIfCandidate] = []
        var path: ArrivalPath?
        var target = ""

        init(_ simulator: FleetSimulator, at: Double, horizon: Double, pool: String?) {
            self.simulator = simulator; self.at = at; self.horizon = horizon; self.pool = pool
            var settings = Advisor.Settings()
            settings.horizon = horizon
            advisor = Advisor(settings: settings)
        }

        func setUp() {
            while simulator.now < at {
                simulator.advance(to: min(at, simulator.now + simulator.sampleInterval))
                advisor.observe(simulator.snapshot())
            }
            target = pool ?? simulator.scenario.pools.first { if case .gpu = $0.kind { return true }; return false }?.id ?? ""
            candidates = simulator.whatIfCandidates(forPool: target)
            path = advisor.arrivalPath(for: simulator, horizon: horizon)
        }

        func run() -> Int {
            advisor.whatIfs(candidates, fleet: simulator, path: path!, horizon: horizon, seed: 1).reduce(0) { $0 + $1.report.requests }
        }
    }

    func run() throws {
        let sc = try scenario.loadScenario()
        if seeds > 1 {
            let round = AdvisorRound(FleetSimulator(scenario: sc, seed: scenario.seed), at: at, horizon: horizon, seeds: seeds)
            let times = try BenchmarkRunner.measure(round, rounds: rounds)
            let a = round.advice!
            print(String(format: "%@ at %.0f s: a whole round of %d candidates x %d seeds, %.0f s ahead each; best %.3f s, median %.3f s, worst %.3f s; recommended: %@",
                         sc.name, at, a.recommendations.count, seeds, a.horizon, times.best, times.percentile(0.5), times.worst,
                         a.active?.title ?? a.recommendations.first?.title ?? "nothing"))
            return
        }
        let round = WhatIfRound(FleetSimulator(scenario: sc, seed: scenario.seed), at: at, horizon: horizon, pool: pool)
        let times = try BenchmarkRunner.measure(round, rounds: rounds)
        let path = round.path!
        print(String(format: "offered now %.1f/s; forecast path %.1f/s to %.1f/s over the horizon", round.simulator.offeredRate,
                     path.rates.first ?? 0, path.rates.last ?? 0))
        print(String(format: "%@ at %.0f s, pool %@: %d candidates x %.0f s ahead = %d simulated requests; round best %.3f s, median %.3f s, worst %.3f s (%.0f requests/s)",
                     sc.name, at, round.target, round.candidates.count, horizon, times.work, times.best, times.percentile(0.5),
                     times.worst, Double(times.work) / max(times.percentile(0.5), 1e-9)))
    }
}

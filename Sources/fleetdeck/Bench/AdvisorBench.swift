import ArgumentParser
import Foundation
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

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard (1...3600).contains(horizon) else { throw ValidationError("--horizon must be between 1 and 3600 seconds") }
    }

    func run() throws {
        let sc = try scenario.loadScenario()
        let sim = FleetSimulator(scenario: sc, seed: scenario.seed)
        var settings = Advisor.Settings()
        settings.horizon = horizon
        let advisor = Advisor(settings: settings)
        while sim.now < at {
            sim.advance(to: min(at, sim.now + sim.sampleInterval))
            advisor.observe(sim.snapshot())
        }
        let target = pool ?? sc.pools.first { if case .gpu = $0.kind { return true }; return false }?.id ?? ""
        let candidates = sim.whatIfCandidates(forPool: target)
        let path = advisor.arrivalPath(for: sim, horizon: horizon)
        print(String(format: "offered now %.1f/s; forecast path %.1f/s to %.1f/s over the horizon", sim.offeredRate, path.rates.first ?? 0, path.rates.last ?? 0))
        var requests = 0
        let times = measure(rounds) {
            let outcomes = advisor.whatIfs(candidates, fleet: sim, path: path, horizon: horizon, seed: 1)
            requests = outcomes.reduce(0) { $0 + $1.report.requests }
        }
        print(String(format: "%@ at %.0f s, pool %@: %d candidates x %.0f s ahead = %d simulated requests; round best %.3f s, median %.3f s, worst %.3f s (%.0f requests/s)",
                     sc.name, at, target, candidates.count, horizon, requests, times.first ?? 0, percentile(times, 0.5),
                     times.last ?? 0, Double(requests) / max(percentile(times, 0.5), 1e-9)))
    }
}

import ArgumentParser
import FleetCore
import Foundation
import Scheduler

struct TwinBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "Time the twin of a watched fleet: a refit, a calibration (the fit and its plays), and an advisor round on it (one core).",
        discussion: """
            The watched fleet is the embedded simulator resized to --nodes, seen only through its snapshots
            (as a scrape would see it), one a second for --at seconds. Docs/twin.md.
            """)

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "GPU nodes of the watched fleet.") var nodes: Int = 100
    @Option(name: .long, help: "Seconds of telemetry before the timing.") var at: Double = 300
    @Option(name: .long, help: "Rounds to time.") var rounds: Int = 5
    @Flag(name: .long, help: "Play every node of every pool (no slices), for comparison.") var whole = false

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard (1...Scenario.maxNodes).contains(nodes) else { throw ValidationError("--nodes must be 1...\(Scenario.maxNodes)") }
        guard (61...7200).contains(at) else { throw ValidationError("--at must be 61...7200 seconds") }
    }

    /// The fleet's snapshots fed to a twin and an advisor, as `watch` does.
    final class Watched {
        let twin = FleetTwin()
        let advisor: Advisor
        let last: FleetSnapshot

        init(_ sc: Scenario, seed: UInt64?, until: Double) {
            let sim = FleetSimulator(scenario: sc, seed: seed)
            var settings = Advisor.Settings.watched      // as watch and advise --config run it
            settings.routingRetrainRounds = 0
            advisor = Advisor(settings: settings)
            while sim.now < until {
                sim.advance(to: sim.now + 1)
                let s = sim.snapshot()
                twin.observe(s)
                advisor.observe(s)
            }
            last = sim.snapshot()
        }
    }

    final class Step: Benchmark {
        let body: () -> Int
        init(_ body: @escaping () -> Int) { self.body = body }
        func setUp() {}
        func run() -> Int { body() }
    }

    func run() throws {
        let sc = try scenario.loadScenario().resized(toNodes: nodes)
        let watched = Watched(sc, seed: scenario.seed, until: at)
        if whole { watched.twin.simulatedRate = .infinity }
        let refit = try BenchmarkRunner.measure(Step { watched.twin.refit().count }, rounds: rounds)
        let calibrate = try BenchmarkRunner.measure(Step { watched.twin.calibrate() == nil ? 0 : watched.twin.models.count }, rounds: rounds)
        var advice: FleetAdvice?
        let round = try BenchmarkRunner.measure(Step {
            advice = watched.advisor.round(twin: watched.twin, snapshot: watched.last).advice
            return advice?.recommendations.count ?? 0
        }, rounds: rounds)
        // A round plays every candidate only for a pool at risk; the target is for that round,
        // so it is timed too, on the busiest pool: the calibration and all its what-ifs.
        let busiest = watched.twin.models.max { $0.arrivalRate < $1.arrivalRate }?.pool ?? ""
        var played = 0
        let full = try BenchmarkRunner.measure(Step {
            guard let fleet = watched.twin.calibrate() else { return 0 }
            let horizon = watched.advisor.horizon(for: fleet)
            let path = watched.advisor.arrivalPath(for: fleet, horizon: horizon)
            let candidates = fleet.whatIfCandidates(forPool: busiest)
            played = candidates.count
            return watched.advisor.whatIfs(candidates, fleet: fleet, path: path, horizon: horizon, seed: 1).count
        }, rounds: rounds)
        let modelled = watched.twin.models
        print("\(sc.name) watched at \(nodes) nodes: \(modelled.count) pools modelled (\(modelled.reduce(0) { $0 + $1.nodes }) nodes), "
              + "\(watched.twin.unmodelled.count) not (\(watched.twin.unmodelled.map { "\($0.pool): \($0.reason)" }.joined(separator: "; ")))")
        for (label, t) in [("refit (the fit)", refit), ("calibration (fit + plays)", calibrate), ("advisor round on the twin", round),
                            ("round with every candidate (\(played) on \(busiest))", full)] {
            print(String(format: "%@: best %.4f s, median %.4f s, worst %.4f s", label, t.best, t.percentile(0.5), t.worst))
        }
        if let a = advice {
            print("round: \(a.recommendations.count) candidates, \(Format.duration(a.horizon)) ahead; first: \(a.recommendations.first?.title ?? "-")")
            for r in a.twin {
                print(String(format: "  %@: %d nodes, %.1f req/s, prompt %.0f, output %.0f, %d slots, step %@ + %@/seq + %@/prompt token "
                             + "(TPOT %@ at %.1f running); predicted e2e p95 %@, observed %@, %d play(s)",
                             r.pool, r.nodes, r.arrivalRate, r.promptTokens, r.outputTokens, r.slots, Format.latency(r.stepAtOne),
                             Format.latency(r.perSequence), Format.latency(r.perPromptToken), Format.latency(r.observedTPOT), r.meanBatch,
                             Format.latency(r.predicted?.e2eP95), Format.latency(r.observed?.e2eP95),
                             modelled.first { $0.pool == r.pool }?.passes ?? 0))
            }
        }
    }
}

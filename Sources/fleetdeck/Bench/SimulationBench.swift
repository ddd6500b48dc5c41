import ArgumentParser
import FleetCore
import Foundation
import Scheduler

struct SimulationBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Time simulating a scenario headless: simulated seconds per wall second.")

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "Simulated seconds.") var duration: Double = 3600

    /// A scenario simulated headless for `duration` seconds, in one round.
    final class Simulation: Benchmark {
        let scenario: Scenario, seed: UInt64?, duration: Double
        var simulator: FleetSimulator?

        init(_ scenario: Scenario, seed: UInt64?, duration: Double) { self.scenario = scenario; self.seed = seed; self.duration = duration }

        func setUp() { simulator = FleetSimulator(scenario: scenario, seed: seed) }

        func run() -> Int {
            simulator!.advance(to: duration)
            return simulator!.totals.arrived
        }
    }

    func run() throws {
        let sc = try scenario.loadScenario()
        let bench = Simulation(sc, seed: scenario.seed, duration: duration)
        let times = try BenchmarkRunner.measure(bench, rounds: 1)
        let elapsed = times.best
        print(String(format: "%@: %.0f simulated s in %.3f s wall = %.0fx real time; %d requests (%.0f/s wall), %d shed",
                     sc.name, duration, elapsed, duration / elapsed, times.work, Double(times.work) / elapsed, bench.simulator!.totals.shed))
    }
}

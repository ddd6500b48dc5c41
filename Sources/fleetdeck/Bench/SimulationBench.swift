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

    func run() throws {
        let sc = try scenario.loadScenario()
        let sim = FleetSimulator(scenario: sc, seed: scenario.seed)
        let clock = WallClock()
        let t0 = clock.now
        sim.advance(to: duration)
        let elapsed = clock.now - t0
        let t = sim.totals
        print(String(format: "%@: %.0f simulated s in %.3f s wall = %.0fx real time; %d requests (%.0f/s wall), %d shed",
                     sc.name, duration, elapsed, duration / elapsed, t.arrived, Double(t.arrived) / elapsed, t.shed))
    }
}

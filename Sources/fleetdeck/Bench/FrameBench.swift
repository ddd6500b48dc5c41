import ArgumentParser
import Console
import FleetCore
import Foundation
import Scheduler

struct FrameBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame",
        abstract: "Time rendering the overview into the canvas (what each frame costs before ncurses).")

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "Columns.") var width: Int = 200
    @Option(name: .long, help: "Rows.") var height: Int = 60
    @Option(name: .long, help: "Frames to time.") var frames: Int = 2000
    @Option(name: .long, help: "Simulated seconds before timing starts.") var at: Double = 600

    /// One frame of the overview, of a fleet simulated to `at`.
    final class Frame: Benchmark {
        let simulator: FleetSimulator
        let at: Double, width: Int, height: Int
        var snapshot: FleetSnapshot?
        var state = ConsoleState()

        init(_ simulator: FleetSimulator, at: Double, width: Int, height: Int) {
            self.simulator = simulator; self.at = at; self.width = width; self.height = height
        }

        func setUp() {
            simulator.advance(to: at)
            snapshot = simulator.snapshot()
            state.selectedNodeID = snapshot?.nodes.first?.id
        }

        func run() -> Int {
            ScreenRenderer.render(snapshot: snapshot!, state: state, width: width, height: height, glyphs: .unicode).canvas.width
        }
    }

    func run() throws {
        let frame = Frame(FleetSimulator(scenario: try scenario.loadScenario(), seed: scenario.seed), at: at, width: width, height: height)
        let times = try BenchmarkRunner.measure(frame, rounds: frames, warmUp: 50)
        let s = frame.snapshot!
        print(String(format: "overview %@ %dx%d, %d nodes: frame p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d frames",
                     s.source.name, width, height, s.nodes.count, times.percentile(0.5) * 1000, times.percentile(0.99) * 1000,
                     times.worst * 1000, frames))
    }
}

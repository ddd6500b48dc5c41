import ArgumentParser
import Console
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

    func run() throws {
        let sim = FleetSimulator(scenario: try scenario.loadScenario(), seed: scenario.seed)
        sim.advance(to: at)
        let snapshot = sim.snapshot()
        var state = ConsoleState()
        state.selectedNodeID = snapshot.nodes.first?.id
        var sink = 0
        for _ in 0..<50 { sink &+= ScreenRenderer.render(snapshot: snapshot, state: state, width: width, height: height, glyphs: .unicode).canvas.width }
        let times = measure(frames) {
            sink &+= ScreenRenderer.render(snapshot: snapshot, state: state, width: width, height: height, glyphs: .unicode).canvas.width
        }
        print(String(format: "overview %@ %dx%d, %d nodes: frame p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d frames (%d)",
                     snapshot.source.name, width, height, snapshot.nodes.count,
                     percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000, (times.last ?? 0) * 1000, frames, sink % 2))
    }
}

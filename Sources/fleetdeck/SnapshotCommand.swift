import ArgumentParser
import Console
import FleetCore
import Foundation
import Scheduler

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Simulate headless up to a time and print the console or the snapshot.",
        discussion: """
            --format text prints the rendered screen as plain text (no colour codes); --format json prints
            the FleetSnapshot with top-level keys time, timeOfDay, source, pools, nodes, caches, latency,
            cost and events.
            """)

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "Simulated seconds since the scenario's start.")
    var at: Double

    @Option(name: .long, help: "Output format: text or json.")
    var format: SnapshotPrinter.Format = .text

    @Option(name: .long, help: "Screen width in columns for --format text.")
    var width: Int = 120

    @Option(name: .long, help: "Screen height in rows for --format text.")
    var height: Int = 40

    @Option(name: .long, help: "Screen for --format text (default: overview).")
    var screen: ScreenID?

    @Flag(name: .long, help: "Draw with ASCII only.")
    var ascii = false

    func validate() throws {
        guard at >= 0, at <= 7 * 86_400 else { throw ValidationError("--at must be between 0 and 604800 seconds") }
        guard (10...1000).contains(width), (5...1000).contains(height) else {
            throw ValidationError("--width must be 10...1000 and --height 5...1000")
        }
    }

    func run() throws {
        let sc = try scenario.loadScenario()
        let simulator = FleetSimulator(scenario: sc, seed: scenario.seed)
        simulator.advance(to: at)
        let snapshot = simulator.snapshot()
        switch format {
        case .json: try SnapshotPrinter.printJSON(snapshot)
        case .text: SnapshotPrinter.printScreen(snapshot, screen: screen ?? .overview, width: width, height: height, ascii: ascii)
        }
    }
}

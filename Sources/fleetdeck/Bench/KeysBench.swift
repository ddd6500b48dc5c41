import ArgumentParser
import Console
import FleetCore
import Foundation
import Scheduler

/// `bench keys`: how long a key takes to reach the screen. A scripted terminal types a tour
/// of the console (screens, selection, the filter, the `:` line with completion, the help,
/// the sort) into the real render loop on a simulated fleet, and times each key from the
/// moment `readKey` returns it to the moment the frame it caused is presented: key handling,
/// effects and the whole render, before ncurses.
struct KeysBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Time from a key to its frame through the render loop (key handling, effects, rendering).")

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "Columns.") var width: Int = 200
    @Option(name: .long, help: "Rows.") var height: Int = 60
    @Option(name: .long, help: "Keys to time.") var keys: Int = 5000
    @Option(name: .long, help: "Simulated seconds before timing starts.") var at: Double = 600

    /// A tour that visits every screen and mode, repeated.
    static let tour: [Key] = {
        func typed(_ s: String) -> [Key] { s.map { Key.char($0) } }
        return [.tab, .down, .down, .char("j"), .enter, .char("z"), .escape, .char("2"), .pageDown, .end, .home,
                .char("/")] + typed("chat") + [.enter, .char("s"), .char("S"), .escape, .char(":")] + typed("po") + [.tab]
            + typed("ols") + [.enter, .down, .down, .char("?"), .down, .char("x"), .char(":")] + typed("sort waiting") + [.enter,
            .char("4"), .char("["), .char("]"), .char("5"), .char("6"), .char("7"), .char("1")]
    }()

    func run() throws {
        let simulator = FleetSimulator(scenario: try scenario.loadScenario(), seed: scenario.seed)
        simulator.advance(to: at)
        let store = SnapshotStore()
        store.publish(simulator.snapshot())
        let terminal = TimedTerminal(width: width, height: height, keys: keys, tour: Self.tour)
        let app = ConsoleApp(store: store, glyphs: .unicode)
        app.pollMilliseconds = 0
        app.run(on: terminal)
        let times = BenchmarkTimes(sorted: terminal.latencies.sorted(), work: terminal.latencies.count)
        print(String(format: "keys %@ %dx%d, %d nodes: key to frame p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d keys",
                     store.latest().snapshot?.source.name ?? "", width, height, store.latest().snapshot?.nodes.count ?? 0,
                     times.percentile(0.5) * 1000, times.percentile(0.99) * 1000, times.worst * 1000, times.sorted.count))
    }
}

/// Types the tour over and over and keeps, for each key, the time to the frame it caused.
private final class TimedTerminal: TerminalBackend {
    let size: (width: Int, height: Int)
    private let tour: [Key]
    private let total: Int
    private var typed = 0
    private var keyReturned: Double?
    private let clock = WallClock()
    private(set) var latencies: [Double] = []

    init(width: Int, height: Int, keys: Int, tour: [Key]) {
        size = (width, height)
        total = keys
        self.tour = tour
        latencies.reserveCapacity(keys)
    }

    var stopRequested: Bool { typed >= total && keyReturned == nil }

    func present(_ canvas: Canvas) {
        if let k = keyReturned { latencies.append(clock.now - k) }
        keyReturned = nil
    }

    func readKey(timeoutMilliseconds: Int32) -> Key? {
        guard typed < total else { return nil }
        defer { typed += 1 }
        keyReturned = clock.now
        return tour[typed % tour.count]
    }

    func restore() {}
}

import ArgumentParser
import FleetCore
import Foundation

struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Fill the history store for many nodes over 24 h of 1 s samples and report its memory.")

    @Option(name: .long, help: "Nodes.") var nodes: Int = 1000
    @Option(name: .long, help: "Hours of 1 s samples.") var hours: Double = 24

    func validate() throws {
        guard nodes > 0, (0.001...240).contains(hours) else { throw ValidationError("--nodes above 0, --hours 0.001 to 240") }
    }

    func run() throws {
        let before = ProcessMemory.residentBytes()
        let clock = WallClock()
        let t0 = clock.now
        var histories = (0..<nodes).map { _ in NodeHistory() }
        let seconds = Int(hours * 3600)
        for t in 0..<seconds {
            let v = Double(t % 977) / 977
            for n in 0..<nodes {
                histories[n].append(at: Double(t), gpuUtilization: v, kvCacheUsage: v, tokensPerSecond: v * 1000,
                                    running: v * 64, waiting: v * 8)
            }
        }
        let elapsed = clock.now - t0
        let after = ProcessMemory.residentBytes()
        let appends = Double(seconds) * Double(nodes) * 5
        print(String(format: "%d nodes x %.0f h at 1 s: %d bytes of samples per node (%.1f MiB for all), resident growth %.1f MiB; %.0f M appends in %.2f s (%.1f ns each)",
                     nodes, hours, NodeHistory.sampleBytes, Double(NodeHistory.sampleBytes * nodes) / 1_048_576,
                     Double(after - before) / 1_048_576, appends / 1e6, elapsed, elapsed / appends * 1e9))
        withExtendedLifetime(histories) {}
    }
}

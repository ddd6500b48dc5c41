import ArgumentParser
import Foundation
import MetricsFormats

struct ParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Time the Prometheus text parser on a fleet's worth of scrapes (one core).")

    @Option(name: .long, help: "A /metrics payload (default: the vLLM V1 sample).")
    var file: String?
    @Option(name: .long, help: "Scrapes to parse, as from this many nodes.") var nodes: Int = 1000
    @Option(name: .long, help: "Rounds; the best is reported.") var rounds: Int = 5

    /// One payload parsed `nodes` times a round.
    final class Parse: Benchmark {
        let bytes: [UInt8], nodes: Int
        init(_ bytes: [UInt8], nodes: Int) { self.bytes = bytes; self.nodes = nodes }
        func setUp() {}
        func run() -> Int {
            var samples = 0
            for _ in 0..<nodes { samples += PrometheusTextParser.parse(bytes).sampleCount }
            return samples
        }
    }

    func run() throws {
        let (path, bytes) = try samplePayload(file)
        let times = try BenchmarkRunner.measure(Parse(bytes, nodes: nodes), rounds: rounds)
        let best = max(times.best, 1e-9)
        let megabytes = Double(bytes.count * nodes) / 1_048_576
        print(String(format: "%@ x %d nodes (%.1f MiB, %d samples): best of %d %.3f s = %.0f MiB/s, %.2f M samples/s",
                     (path as NSString).lastPathComponent, nodes, megabytes, times.work, rounds, best,
                     megabytes / best, Double(times.work) / best / 1e6))
    }
}

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

    func run() throws {
        let (path, bytes) = try samplePayload(file)
        var samples = 0
        let times = measure(rounds) {
            samples = 0
            for _ in 0..<nodes { samples += PrometheusTextParser.parse(bytes).sampleCount }
        }
        let best = times.first ?? 1
        let megabytes = Double(bytes.count * nodes) / 1_048_576
        print(String(format: "%@ x %d nodes (%.1f MiB, %d samples): best of %d %.3f s = %.0f MiB/s, %.2f M samples/s",
                     (path as NSString).lastPathComponent, nodes, megabytes, samples, rounds, best,
                     megabytes / best, Double(samples) / best / 1e6))
    }
}

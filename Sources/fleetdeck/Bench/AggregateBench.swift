import ArgumentParser
import FleetCore
import Foundation
import Telemetry

struct AggregateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Time the scrape aggregator on many targets each tick: parse, map, rates, quantiles, snapshot (one core).")

    @Option(name: .long, help: "A /metrics payload (default: the vLLM V1 sample).")
    var file: String?
    @Option(name: .long, help: "Targets scraped every tick.") var targets: Int = 1000
    @Option(name: .long, help: "Ticks (seconds of scraping) to time.") var ticks: Int = 30

    /// One tick of `targets` scrapes read and stored, and the snapshot rolled up.
    final class Tick: Benchmark {
        let text: String, targets: Int, ticks: Int
        var aggregator: FleetAggregator?
        var payloads: [[UInt8]] = []
        var tick = 0
        var nodes = 0

        init(_ text: String, targets: Int, ticks: Int) { self.text = text; self.targets = targets; self.ticks = ticks }

        func setUp() {
            var config = WatchConfig()
            config.targets = (0..<targets).map { .init(url: "http://10.0.\($0 / 250).\($0 % 250):8000/metrics", node: "vllm-\($0)", pool: "pool-\($0 % 8)") }
            aggregator = FleetAggregator(config: config, name: "bench", startTime: 0)
            // Counters move every tick so rates and histogram deltas are real work, not zeros.
            payloads = (0..<(ticks + 2)).map { tick in
                Array(text.replacingOccurrences(of: "vllm:generation_tokens_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 1.494631e+07",
                                                with: "vllm:generation_tokens_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} \(14_946_310 + tick * 2400)").utf8)
            }
        }

        func run() -> Int {
            let body = payloads[tick]
            for i in 0..<targets {
                aggregator!.ingest(target: i, TargetScrape(.success(.init(body: body, openMetrics: false, duration: 0.01))), at: Double(tick))
            }
            nodes = aggregator!.snapshot(at: Double(tick)).nodes.count
            tick += 1
            return nodes
        }
    }

    func run() throws {
        let text = String(decoding: try samplePayload(file).bytes, as: UTF8.self)
        let tick = Tick(text, targets: targets, ticks: ticks)
        // The first two ticks have no rates yet: untimed.
        let times = try BenchmarkRunner.measure(tick, rounds: ticks, warmUp: 2)
        print(String(format: "%d targets (%d nodes) every 1 s: tick mean %.1f ms, p99 %.1f ms = %.1f%% of one core",
                     targets, times.work, times.mean * 1000, times.percentile(0.99) * 1000, times.mean * 100))
    }
}

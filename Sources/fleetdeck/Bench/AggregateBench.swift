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

    func run() throws {
        let text = String(decoding: try samplePayload(file).bytes, as: UTF8.self)
        var config = WatchConfig()
        config.targets = (0..<targets).map { .init(url: "http://10.0.\($0 / 250).\($0 % 250):8000/metrics", node: "vllm-\($0)", pool: "pool-\($0 % 8)") }
        let aggregator = FleetAggregator(config: config, name: "bench", startTime: 0)
        // Counters move every tick so rates and histogram deltas are real work, not zeros.
        func payload(_ tick: Int) -> [UInt8] {
            Array(text.replacingOccurrences(of: "vllm:generation_tokens_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 1.494631e+07",
                                            with: "vllm:generation_tokens_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} \(14_946_310 + tick * 2400)").utf8)
        }
        var times: [Double] = []
        var nodes = 0
        let clock = WallClock()
        for tick in 0..<(ticks + 2) {
            let body = payload(tick)
            let t0 = clock.now
            for i in 0..<targets {
                aggregator.ingest(target: i, TargetScrape(.success(.init(body: body, openMetrics: false, duration: 0.01))), at: Double(tick))
            }
            nodes = aggregator.snapshot(at: Double(tick)).nodes.count
            if tick >= 2 { times.append(clock.now - t0) }   // the first two ticks have no rates yet
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        print(String(format: "%d targets (%d nodes) every 1 s: tick mean %.1f ms, p99 %.1f ms = %.1f%% of one core",
                     targets, nodes, mean * 1000, percentile(times, 0.99) * 1000, mean * 100))
    }
}

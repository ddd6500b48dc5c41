import ArgumentParser
import FleetCore
import Foundation
import Scheduler

/// `bench trace`: the public traces over a pool, as fast as the engine model serves them.
/// Reading the file is timed apart from the simulation: the figure issue 19 names is
/// engine-served requests per wall second on one core.
struct TraceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Time replaying the public traces (Mooncake with block-hash prefix caching, Azure conversation) over a pool: engine-served requests per wall second.")

    @Option(name: .long, help: "A trace file (default: the shipped Mooncake and Azure conversation traces).")
    var trace: [String] = []
    @Option(name: .long, help: "Nodes of --profile.") var nodes = 16
    @Option(name: .long, help: "Node profile (name or path).") var profile = "h100-sxm"
    @Option(name: .long, help: "Router policy.") var router = RouterPolicy.prefixAffinity.rawValue
    @Option(name: .long, help: "Rounds; the best is printed.") var rounds = 3

    final class Replay: Benchmark {
        let requests: [TraceRequest], profile: NodeProfile, nodes: Int, router: RouterPolicy
        var pool: TracePoolReplay?
        var simulator: FleetSimulator?

        init(_ requests: [TraceRequest], profile: NodeProfile, nodes: Int, router: RouterPolicy) {
            self.requests = requests; self.profile = profile; self.nodes = nodes; self.router = router
        }

        func setUp() {
            pool = try? TracePoolReplay(feed: TraceFeed(requests: requests, file: "bench"), profile: profile, profileFile: profile.name,
                                        modelName: nil, engine: EngineSettings(), nodes: nodes, router: router, objectives: [])
        }

        func run() -> Int {
            let (sim, _) = pool!.run()
            simulator = sim
            return sim.totals.completed - sim.totals.responseCacheHits
        }
    }

    func run() throws {
        guard let policy = RouterPolicy(rawValue: router) else { throw ValidationError("unknown router '\(router)'") }
        let home = try DataLocator.requireHome()
        let files = trace.isEmpty ? [home + "/sample-data/traces/mooncake-conversation.jsonl", home + "/sample-data/traces/azure-2023-conv.csv"] : trace
        let nodeProfile = try NodeFiles(profile: profile, engine: nil).profile
        for file in files {
            let clock = WallClock()
            let t0 = clock.now
            let requests = try ServingTraceReader.load(file: file)
            let parse = clock.now - t0
            let bench = Replay(requests, profile: nodeProfile, nodes: nodes, router: policy)
            let times = try BenchmarkRunner.measure(bench, rounds: rounds)
            let report = bench.simulator!.report(duration: bench.simulator!.now)!.pools[0]
            print(String(format: "%@ over %d x %@ (%@): %d requests, read in %.3f s (%.0f/s); simulated in %.3f s wall = %.0f engine-served requests per wall second; prefix-cache hit %.1f%%, TTFT p95 %@",
                         (file as NSString).lastPathComponent, nodes, nodeProfile.name, policy.rawValue, requests.count, parse,
                         Double(requests.count) / parse, times.best, Double(times.work) / times.best,
                         (report.prefixCacheHitRate ?? 0) * 100, Format.latency(report.ttft?.p95)))
        }
    }
}

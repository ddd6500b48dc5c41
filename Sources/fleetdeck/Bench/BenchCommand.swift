import ArgumentParser
import FleetCore
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Print performance figures (no pass/fail): frames, simulation, parsing, aggregation, store memory, replay, local inference.",
        discussion: "Build with -c release for meaningful figures. Docs/performance.md records them.",
        subcommands: [FrameBench.self, SimulationBench.self, AdvisorBench.self, ForecastBench.self, ParseBench.self, AggregateBench.self, StoreBench.self, ReplayBench.self, InferBench.self])
}

/// Nanosecond timing of a closure, `count` times; returns sorted durations in seconds.
func measure(_ count: Int, _ body: () -> Void) -> [Double] {
    let clock = WallClock()
    var out: [Double] = []
    out.reserveCapacity(count)
    for _ in 0..<count {
        let t0 = clock.now
        body()
        out.append(clock.now - t0)
    }
    return out.sorted()
}

/// A /metrics payload for the parse and aggregate benches: `file`, or the vLLM V1 sample.
func samplePayload(_ file: String?) throws -> (path: String, bytes: [UInt8]) {
    let path = try file ?? DataLocator.requireHome() + "/sample-data/telemetry/vllm-v1.prom"
    guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read \(path)") }
    return (path, Array(data))
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

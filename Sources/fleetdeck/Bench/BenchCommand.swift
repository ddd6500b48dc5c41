import ArgumentParser
import FleetCore
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Print performance figures (no pass/fail): frames, simulation, parsing, aggregation, store memory, replay, local inference, a long soak against hostile targets.",
        discussion: "Build with -c release for meaningful figures. Docs/performance.md records them.",
        subcommands: [FrameBench.self, SimulationBench.self, AdvisorBench.self, TwinBench.self, ForecastBench.self, ParseBench.self, AggregateBench.self, StoreBench.self, ReplayBench.self, InferBench.self, SoakBench.self, KeysBench.self, TraceBench.self])
}

/// A /metrics payload for the parse and aggregate benches: `file`, or the vLLM V1 sample.
func samplePayload(_ file: String?) throws -> (path: String, bytes: [UInt8]) {
    let path = try file ?? DataLocator.requireHome() + "/sample-data/telemetry/vllm-v1.prom"
    guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read \(path)") }
    return (path, Array(data))
}

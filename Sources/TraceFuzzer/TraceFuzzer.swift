import FleetCore
import Foundation
import FuzzSupport
import Scheduler

/// libFuzzer target for serving traces (Docs/scheduler-model.md, "Traces"): the reader, then a
/// replay of what it accepts on the shipped H100 profile and engine, checking the replay's own
/// accounting. Run from the repository's root. Its entry point hands the check to FuzzSupport:
/// libFuzzer in a fuzzing build, a replayer of saved inputs otherwise.
///
/// A crash, a sanitizer report or a broken invariant below is a finding; a refused trace is
/// the reader doing its job.
func checkOneInput(_ bytes: UnsafeRawBufferPointer) {
    guard let trace = try? ServingTraceReader.parse(Data(bytes), file: "fuzz.jsonl") else { return }
    for r in trace where r.promptTokens < 1 || r.outputTokens < 1 || !r.arrival.isFinite || r.arrival < 0 {
        fatalError("line \(r.line) taken with \(r.promptTokens)/\(r.outputTokens) tokens at \(r.arrival)")
    }
    // Replay time grows with the tokens; past this the check is for throughput, not traps.
    guard trace.reduce(0, { $0 + $1.promptTokens + $1.outputTokens }) <= 200_000, let replay = shippedNode,
          let result = try? replay.run(trace, file: "fuzz.jsonl") else { return }
    guard result.outcomes.count == trace.count else { fatalError("\(trace.count) requests in, \(result.outcomes.count) out") }
    guard result.leakedBlocks == 0, result.leakedTokens == 0 else {
        fatalError("\(result.leakedBlocks) KV blocks and \(result.leakedTokens) tokens left held after the replay")
    }
    for o in result.outcomes where !(o.request.arrival <= o.firstToken && o.firstToken <= o.finish) {
        fatalError("request \(o.request.id): arrives \(o.request.arrival), first token \(o.firstToken), finishes \(o.finish)")
    }
}

/// The node the shipped trace was measured on. Inputs come one at a time.
nonisolated(unsafe) let shippedNode: TraceReplay? = {
    guard let profile = try? NodeProfileLoader.load(file: "sample-data/profiles/h100-sxm-hf-eager.json"),
          let engine = try? EngineSettingsLoader.load(file: "sample-data/engines/transformers-cb-h100.json") else {
        fatalError("run from the repository's root: the shipped profile and engine are read from sample-data/")
    }
    return try? TraceReplay(profile: profile, profileFile: "h100-sxm-hf-eager.json", modelName: nil, engine: engine)
}()

/// The entry point (see FuzzSupport): libFuzzer in a fuzzing build, a replayer otherwise.
@_cdecl("TraceFuzzer_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.main(argc, argv, usage: "TraceFuzzer FILE...", check: checkOneInput)
}

import FleetCore
import Foundation
import FuzzSupport
import MetricsFormats

/// libFuzzer target for fleetdeck's NDJSON stream format (Docs/ndjson-format.md): every line of
/// the input through the record parser. Its entry point hands the check to FuzzSupport:
/// libFuzzer in a fuzzing build, a replayer of saved inputs otherwise.
///
/// A crash, a sanitizer report or a broken invariant below is a finding; a refused line is the
/// parser doing its job.
func checkOneInput(_ bytes: UnsafeRawBufferPointer) {
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        guard case .success(let record) = NDJSONRecordParser.parse(line: String(decoding: line, as: UTF8.self)) else { continue }
        guard case .node(let r) = record else { continue }
        if r.node.isEmpty { fatalError("a node record without a node name was taken") }
        if let kv = r.kvCache, !(0...1).contains(kv) { fatalError("kv_cache \(kv) taken") }
        if (r.ttft + r.e2e).contains(where: { !$0.isFinite || $0 < 0 }) { fatalError("a latency sample that is no duration was taken") }
        let numbers = [r.time, r.tokensPerSecond, r.promptTokensPerSecond, r.prefixHitRate, r.preemptionsPerSecond, r.costPerHour]
        if numbers.contains(where: { $0.map { !$0.isFinite } ?? false }) { fatalError("a non-finite figure was taken") }
        for g in r.gpus where ![g.utilization, g.memoryUsedGiB, g.memoryTotalGiB, g.powerWatts, g.temperatureC].allSatisfy(\.isFinite) {
            fatalError("a non-finite GPU figure was taken")
        }
    }
}

/// The entry point (see FuzzSupport): libFuzzer in a fuzzing build, a replayer otherwise.
@_cdecl("NDJSONFuzzer_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.main(argc, argv, usage: "NDJSONFuzzer FILE...", check: checkOneInput)
}

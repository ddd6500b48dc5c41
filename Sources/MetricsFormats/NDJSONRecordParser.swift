import FleetCore
import Foundation

/// Reads one line of fleetdeck's own stream format (Docs/ndjson-format.md) into an
/// `NDJSONRecord`, or says why it cannot.
public enum NDJSONRecordParser {
    public struct RecordError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func parse(line: String) -> Result<NDJSONRecord, RecordError> {
        guard let data = line.data(using: .utf8),
              let any = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return .failure(RecordError(message: "not JSON"))
        }
        guard let o = any as? [String: Any] else { return .failure(RecordError(message: "expected a JSON object")) }
        func num(_ k: String) -> Double? { (o[k] as? NSNumber).map(\.doubleValue).flatMap { $0.isFinite ? $0 : nil } }
        func str(_ k: String) -> String? { o[k] as? String }
        let time = num("ts")
        switch str("type") ?? "node" {
        case "event":
            guard let message = str("message") else { return .failure(RecordError(message: "event without message")) }
            let severity = FleetEvent.Severity(rawValue: str("severity") ?? "info") ?? .info
            return .success(.event(time: time, severity: severity, message: message, pool: str("pool"), node: str("node")))
        case "node":
            guard let node = str("node"), !node.isEmpty else { return .failure(RecordError(message: "node record without \"node\"")) }
            var state = NodeState.up
            if let s = str("state") {
                guard let parsed = NodeState(rawValue: s) else {
                    return .failure(RecordError(message: "unknown state '\(s)' (up, degraded, draining, down, stale)"))
                }
                state = parsed
            }
            for (k, range) in [("kv_cache", 0.0...1.0), ("prefix_hit_rate", 0.0...1.0)] {
                if let v = num(k), !range.contains(v) { return .failure(RecordError(message: "\(k) \(v) is outside 0...1")) }
            }
            let gpus = (o["gpus"] as? [[String: Any]] ?? []).enumerated().map { i, g -> GPUSnapshot in
                func n(_ k: String) -> Double { Counts.rate((g[k] as? NSNumber)?.doubleValue) }
                return GPUSnapshot(index: (g["index"] as? NSNumber).map { Counts.from($0.doubleValue) } ?? i, name: g["name"] as? String ?? "GPU",
                                   utilization: n("util"), memoryUsedGiB: n("mem_used_gib"), memoryTotalGiB: n("mem_total_gib"),
                                   powerWatts: n("power_w"), temperatureC: n("temp_c"))
            }
            func samples(_ k: String) -> [Double] {
                (o[k] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue }.filter { $0.isFinite && $0 >= 0 }
            }
            return .success(.node(.init(
                time: time, node: node, pool: str("pool") ?? "default", state: state, reason: str("reason"),
                engine: str("engine"), model: str("model"), version: str("version"),
                running: num("running").map { Counts.from($0) }, waiting: num("waiting").map { Counts.from($0) },
                kvCache: num("kv_cache"), tokensPerSecond: num("tokens_per_s"), promptTokensPerSecond: num("prompt_tokens_per_s"),
                prefixHitRate: num("prefix_hit_rate"), preemptionsPerSecond: num("preemptions_per_s"), gpus: gpus,
                ttft: samples("ttft_s"), e2e: samples("e2e_s"), costPerHour: num("cost_per_hour"))))
        case let other:
            return .failure(RecordError(message: "unknown record type '\(other)'"))
        }
    }
}

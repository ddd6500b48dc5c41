import FleetCore
import Foundation

/// `local:` in the config: a real node running a GGUF model inside fleetdeck.
///
///     local:
///       model: ~/.cache/fleetdeck/models/SmolLM2-135M-Instruct.Q4_1.gguf
///       pool: edge-local          # the pool it shows as (default: local)
///       rate: 0.5                 # requests/s of the built-in workload
///       route_from: edge-npu      # or: take this share of a pool's arrivals instead
///       share: 0.02
///       slo: [{metric: ttft, percentile: 95, target_ms: 2000}]   # as for watched pools
///       node_hour_price: 0.02     # $/h the device costs
///       context: 512              # tokens of KV cache
///       threads: 2
public struct LocalNodeConfig: Sendable, Equatable {
    public var model: String
    public var pool: String = "local"
    public var node: String = "local-0"
    public var requestsPerSecond: Double = 0.5
    /// A pool whose arrival rate, times `share`, drives the node's workload instead of `rate`.
    public var routeFrom: String?
    public var share: Double = 0.01
    public var objectives: [SLOObjective] = [SLOObjective(metric: .ttft, percentile: 95, target: 2),
                                             SLOObjective(metric: .e2e, percentile: 95, target: 10)]
    public var nodeHourPrice: Double = 0
    public var context: Int = 512
    public var threads: Int?

    public init(model: String) { self.model = model }

    public static let keys: Set<String> = ["model", "pool", "node", "rate", "route_from", "share", "slo", "node_hour_price", "context", "threads"]

    public static func read(_ v: YAMLValue) throws -> LocalNodeConfig {
        try v.allowKeys(keys)
        var c = LocalNodeConfig(model: expandingTilde(try v.required("model").string()))
        if let p = try v.optional("pool") { c.pool = try Self.name(p) }
        if let n = try v.optional("node") { c.node = try Self.name(n) }
        if let r = try v.optional("rate") { c.requestsPerSecond = try r.double(in: 0...100) }
        if let r = try v.optional("route_from") { c.routeFrom = try Self.name(r) }
        if let s = try v.optional("share") { c.share = try s.double(in: 0...1) }
        if let p = try v.optional("node_hour_price") { c.nodeHourPrice = try p.double(in: 0...10_000) }
        if let n = try v.optional("context") { c.context = try n.int(in: 64...8192) }
        if let t = try v.optional("threads") { c.threads = try t.int(in: 1...256) }
        if let slo = try v.optional("slo") { c.objectives = try SLOObjective.list(from: slo, allowed: [.ttft, .e2e], means: false) }
        return c
    }

    /// Pool and node names reach the screen and the audit log: plain identifiers only.
    static func name(_ v: YAMLValue) throws -> String {
        let s = try v.string()
        guard !s.isEmpty, s.count <= 63, s.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw v.error("expected a name of letters, digits, '-', '_' or '.' (at most 63), found \"\(TerminalText.sanitized(s))\"")
        }
        return s
    }

    static func expandingTilde(_ path: String) -> String {
        path.hasPrefix("~/") ? (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + String(path.dropFirst()) : path
    }
}

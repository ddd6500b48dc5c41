import Foundation

/// A figure of one pool that an alert rule can watch, by the name the config writes it:
/// `ttft_p95`, `queue_time_mean`, `error_rate`, `waiting_per_node`, `kv_usage`, ...
public enum PoolSignal: Sendable, Hashable {
    /// A latency signal's percentile (0 for its mean).
    case latency(SLOObjective.Metric, percentile: Int)
    case errorRate, waiting, running, waitingPerNode, nodesUp, nodesDown
    case arrivalRate, completionRate, shedRate, preemptions
    case kvUsage, gpuUtilization, prefixHitRate, responseHitRate, dollarsPerHour

    /// How a value is read in a threshold and written in a message.
    public enum Unit: Sendable { case seconds, ratio, count, perSecond, dollars }

    static let plain: [(name: String, signal: PoolSignal)] = [
        ("error_rate", .errorRate), ("waiting", .waiting), ("running", .running), ("waiting_per_node", .waitingPerNode),
        ("nodes_up", .nodesUp), ("nodes_down", .nodesDown), ("arrival_rate", .arrivalRate),
        ("completion_rate", .completionRate), ("shed_rate", .shedRate), ("preemptions", .preemptions),
        ("kv_usage", .kvUsage), ("gpu_util", .gpuUtilization), ("prefix_hit_rate", .prefixHitRate),
        ("response_hit_rate", .responseHitRate), ("cost_per_hour", .dollarsPerHour),
    ]

    /// Every name the config may use, for an error that lists them.
    public static var names: [String] {
        SLOObjective.Metric.latencies.map { "\($0.rawValue)_{p50,p90,p95,p99,mean}" } + plain.map(\.name)
    }

    /// The signal a name stands for (`itl_` is `tpot_`, as in SLO objectives); nil if none.
    public init?(name: String) {
        if let p = Self.plain.first(where: { $0.name == name }) { self = p.signal; return }
        let normalised = name.hasPrefix("itl_") ? "tpot_" + name.dropFirst(4) : Substring(name)
        for metric in SLOObjective.Metric.latencies where normalised.hasPrefix(metric.rawValue + "_") {
            let statistic = normalised.dropFirst(metric.rawValue.count + 1)
            if statistic == "mean" { self = .latency(metric, percentile: 0); return }
            if statistic.first == "p", let p = Int(statistic.dropFirst()), [50, 90, 95, 99].contains(p) {
                self = .latency(metric, percentile: p); return
            }
        }
        return nil
    }

    public var name: String {
        if case .latency(let m, let p) = self { return "\(m.rawValue)_\(p == 0 ? "mean" : "p\(p)")" }
        return Self.plain.first { $0.signal == self }!.name
    }

    public var unit: Unit {
        switch self {
        case .latency: .seconds
        case .errorRate, .kvUsage, .gpuUtilization, .prefixHitRate, .responseHitRate: .ratio
        case .waiting, .running, .waitingPerNode, .nodesUp, .nodesDown: .count
        case .arrivalRate, .completionRate, .shedRate, .preemptions: .perSecond
        case .dollarsPerHour: .dollars
        }
    }

    /// The pool's figure in `snapshot`; nil where the source does not measure it (a rule on it
    /// then neither fires nor resolves on that tick's account: it is simply not true).
    public func value(ofPool id: String, in snapshot: FleetSnapshot) -> Double? {
        guard let pool = snapshot.pool(id) else { return nil }
        func nodeMean(_ figure: (NodeSnapshot) -> Double) -> Double? {
            let nodes = snapshot.nodes.filter { $0.pool == id && ($0.state == .up || $0.state == .degraded) }
            return nodes.isEmpty ? nil : nodes.reduce(0) { $0 + figure($1) } / Double(nodes.count)
        }
        switch self {
        case .latency(let metric, let percentile):
            return snapshot.latency(ofPool: id)?.quantiles(metric)?.value(atPercentile: percentile)
        case .errorRate: return pool.errorRate
        case .waiting: return Double(pool.waiting)
        case .running: return Double(pool.running)
        case .waitingPerNode: return pool.nodesUp > 0 ? Double(pool.waiting) / Double(pool.nodesUp) : nil
        case .nodesUp: return Double(pool.nodesUp)
        case .nodesDown: return Double(pool.nodes - pool.nodesUp)
        case .arrivalRate: return pool.arrivalRate
        case .completionRate: return pool.completionRate
        case .shedRate: return pool.shedRate
        case .preemptions: return pool.preemptionsPerSecond
        case .kvUsage: return nodeMean(\.kvCacheUsage)
        case .gpuUtilization: return nodeMean(\.gpuUtilization)
        case .prefixHitRate: return snapshot.caches.first { $0.kind == .prefix && $0.pool == id }?.hitRate
        case .responseHitRate: return snapshot.caches.first { $0.kind == .response && $0.pool == id }?.hitRate
        case .dollarsPerHour: return snapshot.cost.pools.first { $0.pool == id }?.dollarsPerHour
        }
    }

    /// A value as a message shows it: "2.40s", "12.5%", "14", "3.2/s", "$41.00".
    public func formatted(_ v: Double) -> String {
        switch unit {
        case .seconds: Format.latency(v)
        case .ratio: String(format: "%.*f%%", abs(v) < 0.01 ? 2 : 1, v * 100)
        case .count: Format.compact(v)
        case .perSecond: Format.compact(v) + "/s"
        case .dollars: Format.dollars(v)
        }
    }

    /// A threshold as written: seconds take `ms` or `s` (a bare number is seconds), ratios a
    /// `%` (a bare number is a fraction), money an optional `$`, rates an optional `/s`.
    public func threshold(_ text: String) -> Double? {
        var t = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1.0
        switch unit {
        case .seconds:
            if t.hasSuffix("ms") { t = t.dropLast(2); scale = 0.001 } else if t.hasSuffix("s") { t = t.dropLast() }
        case .ratio:
            if t.hasSuffix("%") { t = t.dropLast(); scale = 0.01 }
        case .dollars:
            if t.hasPrefix("$") { t = t.dropFirst() }
        case .perSecond:
            if t.hasSuffix("/s") { t = t.dropLast(2) }
        case .count: break
        }
        guard let n = Double(t.trimmingCharacters(in: .whitespaces)), n.isFinite else { return nil }
        return n * scale
    }
}

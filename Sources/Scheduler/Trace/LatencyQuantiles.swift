/// p50, p95 and p99 of a set of latencies, as the reports print them.
public struct LatencyQuantiles: Sendable, Equatable, Codable {
    public var p50: Double
    public var p95: Double
    public var p99: Double

    public init(p50: Double, p95: Double, p99: Double) { self.p50 = p50; self.p95 = p95; self.p99 = p99 }

    /// Exact, interpolated between the two nearest ranks (numpy's default), so a small measured
    /// trace and its replay are compared by one definition.
    public init?(exact values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func q(_ p: Double) -> Double {
            let k = Double(sorted.count - 1) * p
            let lo = Int(k.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - Double(lo))
        }
        self.init(p50: q(0.5), p95: q(0.95), p99: q(0.99))
    }
}

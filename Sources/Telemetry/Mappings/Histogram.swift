import MetricsFormats
import FleetCore

/// A cumulative histogram as exporters publish it, and `histogram_quantile` with Prometheus'
/// semantics, so fleetdeck's p95 is the p95 a Grafana panel shows.
public struct Histogram: Sendable, Equatable {
    /// Upper bounds (`le`, parsed as numbers) with cumulative counts, sorted by bound, each
    /// bound once.
    public var buckets: [(upperBound: Double, count: Double)]
    public var count: Double?
    public var sum: Double?

    /// Bounds that compare equal merge, keeping the larger count: distinct spellings can meet
    /// once scaled (Triton's 1e-322 ms and 2e-322 ms are both 0 s), and `merged` keys by bound.
    public init(buckets: [(upperBound: Double, count: Double)], count: Double? = nil, sum: Double? = nil) {
        var unique: [(upperBound: Double, count: Double)] = []
        unique.reserveCapacity(buckets.count)
        for b in buckets.sorted(by: { $0.upperBound < $1.upperBound }) {
            if let last = unique.last, last.upperBound == b.upperBound {
                unique[unique.count - 1].count = max(last.count, b.count)
            } else {
                unique.append(b)
            }
        }
        self.buckets = unique
        self.count = count
        self.sum = sum
    }

    public static func == (a: Histogram, b: Histogram) -> Bool {
        a.count == b.count && a.sum == b.sum && a.buckets.map(\.upperBound) == b.buckets.map(\.upperBound)
            && a.buckets.map(\.count) == b.buckets.map(\.count)
    }

    /// Builds the histogram of one series of a family: the `_bucket` samples whose labels,
    /// apart from `le`, satisfy `matches`, plus `_count` and `_sum`. Buckets with the same
    /// bound spelled differently ("1", "1.0", "1e0") merge; a non-numeric `le` is skipped.
    public static func from(_ family: MetricFamily, where matches: (MetricSample) -> Bool = { _ in true }) -> Histogram? {
        let chosen = family.samples.indices.filter { matches(family.samples[$0]) }
        return from(name: family.name, samples: family.samples, indices: chosen)
    }

    /// The same from samples already chosen by index (one series' buckets, count and sum),
    /// without copying them.
    public static func from(name: String, samples all: [MetricSample], indices: [Int]) -> Histogram? {
        // Buckets are few and come in order: an array with a linear merge beats hashing Doubles.
        var byBound: [(upperBound: Double, count: Double)] = []
        var count: Double?, sum: Double?
        let bucketName = name + "_bucket", countName = name + "_count", sumName = name + "_sum"
        for k in indices {
            let s = all[k]
            if s.name == bucketName {
                guard let le = s.label("le"), let bound = NumberParsing.double(le), bound.isFinite || bound == .infinity else { continue }
                if let k = byBound.lastIndex(where: { $0.upperBound == bound }) {
                    byBound[k].count = max(byBound[k].count, s.value)
                } else {
                    byBound.append((bound, s.value))
                }
            } else if s.name == countName {
                count = (count ?? 0) + s.value
            } else if s.name == sumName {
                sum = (sum ?? 0) + s.value
            }
        }
        guard !byBound.isEmpty else { return nil }
        return Histogram(buckets: byBound, count: count, sum: sum)
    }

    /// The sum of several series' histograms with the same bounds (a pool's nodes).
    public static func merged(_ hs: [Histogram]) -> Histogram? {
        guard let first = hs.first else { return nil }
        var counts = Dictionary(first.buckets.map { ($0.upperBound, 0.0) }, uniquingKeysWith: { a, _ in a })
        for h in hs { for b in h.buckets { counts[b.upperBound, default: 0] += b.count } }
        return Histogram(buckets: counts.map { ($0.key, $0.value) },
                         count: hs.allSatisfy { $0.count != nil } ? hs.reduce(0) { $0 + $1.count! } : nil,
                         sum: hs.allSatisfy { $0.sum != nil } ? hs.reduce(0) { $0 + $1.sum! } : nil)
    }

    /// What happened between `previous` and this scrape: bucket by bucket deltas. A bucket that
    /// went backwards means the process restarted, and then this scrape counts from zero.
    public func delta(since previous: Histogram) -> Histogram {
        let old = Dictionary(previous.buckets.map { ($0.upperBound, $0.count) }, uniquingKeysWith: max)
        let reset = buckets.contains { b in (old[b.upperBound] ?? 0) > b.count }
        if reset { return self }
        return Histogram(buckets: buckets.map { ($0.upperBound, $0.count - (old[$0.upperBound] ?? 0)) },
                         count: count.flatMap { c in previous.count.map { c - $0 } },
                         sum: sum.flatMap { s in previous.sum.map { s - $0 } })
    }

    /// `histogram_quantile(q, ...)`: linear interpolation inside the bucket holding the rank;
    /// the first bucket starts at 0 (when its bound is positive); a rank in the +Inf bucket
    /// returns the highest finite bound; no +Inf bucket, or no observations, gives nil (NaN in
    /// Prometheus). Counts that are not monotonic are made so, as Prometheus does.
    public func quantile(_ q: Double) -> Double? {
        guard q >= 0, q <= 1 else { return q < 0 ? -.infinity : .infinity }
        guard let last = buckets.last, last.upperBound == .infinity, buckets.count >= 2 else { return nil }
        var cumulative: [Double] = []
        var running = 0.0
        for b in buckets {
            running = max(running, b.count)
            cumulative.append(running)
        }
        let total = cumulative.last!
        guard total > 0 else { return nil }
        let rank = q * total
        var i = 0
        while i < cumulative.count - 1 && cumulative[i] < rank { i += 1 }
        if i == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        let upper = buckets[i].upperBound
        var lower = 0.0
        var below = 0.0
        if i > 0 {
            lower = buckets[i - 1].upperBound
            below = cumulative[i - 1]
        } else if upper <= 0 {
            return upper
        }
        let inBucket = cumulative[i] - below
        guard inBucket > 0 else { return upper }
        return lower + (upper - lower) * (rank - below) / inBucket
    }

    /// The quantiles where there are buckets to read them from, and the mean where there is a
    /// sum and a count.
    public var quantiles: Quantiles {
        let mean: Double? = if let sum, let count, count > 0, sum.isFinite { sum / count } else { nil }
        return Quantiles(p50: quantile(0.5), p90: quantile(0.9), p95: quantile(0.95), p99: quantile(0.99), mean: mean)
    }

    /// Observations behind it: the count, else the +Inf bucket's.
    public var observations: Double { count ?? buckets.last?.count ?? 0 }

    /// A sum and a count alone, as a histogram with only its +Inf bucket: what an engine that
    /// exports "seconds spent" and "tokens" counters (llama.cpp) says of a latency. It has a
    /// mean and no quantiles, and takes deltas and merges like any other.
    public static func sumAndCount(sum: Double?, count: Double?) -> Histogram? {
        guard let sum, let count, sum.isFinite, count.isFinite, sum >= 0, count >= 0 else { return nil }
        return Histogram(buckets: [(.infinity, count)], count: count, sum: sum)
    }

    /// A copy with every bound multiplied (Triton reports milliseconds).
    public func scaled(by factor: Double) -> Histogram {
        Histogram(buckets: buckets.map { ($0.upperBound * factor, $0.count) }, count: count, sum: sum.map { $0 * factor })
    }
}

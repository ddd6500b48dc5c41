import Foundation

/// A log-bucketed latency histogram (5% relative resolution from 1 ms to ~20 min), cheap to
/// add to and to merge, so a sliding window of per-second histograms gives p50..p99 at any
/// request rate without keeping the samples.
public struct LatencyHistogram: Sendable, Equatable {
    public static let minimum = 0.001
    static let growth = 1.05
    static let logGrowth = log(growth)
    public static let bucketCount = 290

    public private(set) var counts: [UInt32]
    public private(set) var total: Int = 0
    public private(set) var sum: Double = 0

    public init() { counts = Array(repeating: 0, count: Self.bucketCount) }

    static func bucket(for seconds: Double) -> Int {
        guard seconds.isFinite else { return bucketCount - 1 }
        guard seconds > minimum else { return 0 }
        // Logs apart, not of the quotient: 1e306 / 0.001 is infinite.
        let i = (log(seconds) - log(minimum)) / logGrowth + 1
        return i < Double(bucketCount - 1) ? Int(i) : bucketCount - 1
    }

    /// The largest latency a sum takes in: beyond the last bucket every value counts as it,
    /// so a damaged sample cannot make the mean infinite (and a window's later subtraction NaN).
    static let largest = upperBound(bucketCount - 1)

    /// Upper bound of bucket `i`, in seconds.
    static func upperBound(_ i: Int) -> Double { minimum * pow(growth, Double(i)) }

    public mutating func record(_ seconds: Double) {
        counts[Self.bucket(for: seconds)] += 1
        total += 1
        sum += seconds.isNaN ? 0 : max(0, min(seconds, Self.largest))
    }

    public mutating func add(_ other: LatencyHistogram) {
        for i in 0..<Self.bucketCount { counts[i] += other.counts[i] }
        total += other.total
        sum += other.sum
    }

    public mutating func subtract(_ other: LatencyHistogram) {
        for i in 0..<Self.bucketCount { counts[i] -= other.counts[i] }
        total -= other.total
        sum -= other.sum
    }

    public var mean: Double? { total > 0 ? sum / Double(total) : nil }

    /// The q-quantile (0...1), interpolated inside its bucket; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var seen = 0.0
        for i in 0..<Self.bucketCount where counts[i] > 0 {
            let c = Double(counts[i])
            if seen + c >= rank {
                let lower = i == 0 ? 0 : Self.upperBound(i - 1)
                let upper = Self.upperBound(i)
                let fraction = c > 0 ? max(0, min(1, (rank - seen) / c)) : 1
                return lower + (upper - lower) * fraction
            }
            seen += c
        }
        return Self.upperBound(Self.bucketCount - 1)
    }

    public var quantiles: Quantiles {
        Quantiles(p50: quantile(0.50), p90: quantile(0.90), p95: quantile(0.95), p99: quantile(0.99))
    }

    /// The quantiles and the mean: for signals new enough that no recording holds them
    /// without a mean (time per output token), so adding it changes no older figure.
    public var quantilesAndMean: Quantiles {
        var q = quantiles
        q.mean = total > 0 ? sum / Double(total) : nil
        return q
    }
}

/// A sliding window of `seconds` one-second histograms, with a running total.
public struct SlidingLatencyWindow: Sendable {
    private var slots: [LatencyHistogram]
    private var slotSecond: [Int]
    public private(set) var window = LatencyHistogram()

    public init(seconds: Int) {
        slots = Array(repeating: LatencyHistogram(), count: seconds)
        slotSecond = Array(repeating: Int.min, count: seconds)
    }

    public mutating func record(_ latency: Double, at time: Double) {
        let second = Int(time.rounded(.down))
        expire(upTo: second)
        let i = slotIndex(second)
        slots[i].record(latency)
        window.record(latency)
    }

    /// Drops the slots that fell out of the window ending at `second`.
    public mutating func expire(upTo second: Int) {
        let i = slotIndex(second)
        if slotSecond[i] != second {
            // Every slot older than the window is cleared lazily as its index comes round;
            // slots skipped over by a gap are cleared here too.
            for j in 0..<slots.count where slotSecond[j] != Int.min && slotSecond[j] <= second - slots.count {
                window.subtract(slots[j])
                slots[j] = LatencyHistogram()
                slotSecond[j] = Int.min
            }
            if slotSecond[i] != Int.min {
                window.subtract(slots[i])
                slots[i] = LatencyHistogram()
            }
            slotSecond[i] = second
        }
    }

    private func slotIndex(_ second: Int) -> Int {
        ((second % slots.count) + slots.count) % slots.count
    }
}

/// Latency quantiles in seconds; nil where there were no samples.
public struct Quantiles: Codable, Sendable, Equatable {
    public var p50: Double?
    public var p90: Double?
    public var p95: Double?
    public var p99: Double?
    /// The mean, where it is known (from a histogram's sum and count, or from counters alone).
    public var mean: Double?

    public init(p50: Double? = nil, p90: Double? = nil, p95: Double? = nil, p99: Double? = nil, mean: Double? = nil) {
        self.p50 = p50; self.p90 = p90; self.p95 = p95; self.p99 = p99; self.mean = mean
    }

    public func value(atPercentile p: Int) -> Double? {
        switch p {
        case 50: return p50
        case 90: return p90
        case 95: return p95
        case 99: return p99
        case 0: return mean
        default: return nil
        }
    }
}

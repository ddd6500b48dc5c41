import Foundation

/// Hits over lookups across the last `capacity` samples: a hit rate that neither jumps on one
/// quiet second nor remembers the whole day.
public struct RatioWindow: Sendable, Equatable {
    private var hits: [Double]
    private var lookups: [Double]
    private var next = 0
    public private(set) var totalHits = 0.0
    public private(set) var totalLookups = 0.0

    public init(capacity: Int) {
        hits = Array(repeating: 0, count: capacity)
        lookups = Array(repeating: 0, count: capacity)
    }

    public mutating func add(hits h: Int, queries q: Int) {
        totalHits += Double(h) - hits[next]
        totalLookups += Double(q) - lookups[next]
        hits[next] = Double(h)
        lookups[next] = Double(q)
        next = (next + 1) % hits.count
    }

    public var ratio: Double? { totalLookups > 0 ? min(1, max(0, totalHits / totalLookups)) : nil }
}

/// An exponentially weighted moving average for rates sampled at uneven intervals.
public struct EWMA: Sendable, Equatable {
    public let timeConstant: Double
    public private(set) var value: Double = 0
    private var primed = false

    public init(timeConstant: Double) { self.timeConstant = timeConstant }

    public mutating func update(_ sample: Double, dt: Double) {
        if !primed { value = sample; primed = true; return }
        let alpha = 1 - exp(-dt / timeConstant)
        value += (sample - value) * alpha
    }
}


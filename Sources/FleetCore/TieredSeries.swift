/// A node series at two resolutions in fixed memory: the last 15 minutes at one sample per
/// second and the last 24 hours as one mean per minute, as Float32 (a console shows three
/// significant digits; half the bytes of Double). 900 + 1,440 values = 9,360 bytes of samples,
/// allocated once; appending never allocates.
///
/// Copy-on-write like `SeriesRing`, so a snapshot holds one for free until the next append.
public struct TieredSeries: Sendable {
    public static let fineCapacity = 900
    public static let coarseCapacity = 1_440
    public static let coarseStep = 60.0

    private var fine: Ring
    private var coarse: Ring
    /// The minute being averaged: its index since the epoch of the source's clock, sum, count.
    private var minute: Int?
    private var minuteSum = 0.0
    private var minuteCount = 0

    public init(fineCapacity: Int = TieredSeries.fineCapacity, coarseCapacity: Int = TieredSeries.coarseCapacity) {
        fine = Ring(capacity: fineCapacity)
        coarse = Ring(capacity: coarseCapacity)
    }

    /// A series from its stored parts (a recording's keyframe): the fine samples, the finished
    /// minutes' means, and the minute in progress.
    public init(fine values: [Float], minuteMeans: [Float], minute: Int?, minuteSum: Double, minuteCount: Int) {
        self.init()
        for v in values { fine.append(v) }
        for v in minuteMeans { coarse.append(v) }
        self.minute = minute
        (self.minuteSum, self.minuteCount) = Self.minuteInProgress(sum: minuteSum, count: minuteCount)
    }

    /// A minute in progress as read from a recording, made safe to add to: no minute holds a
    /// million samples, and a sum that is not finite is no sum.
    static func minuteInProgress(sum: Double, count: Int) -> (sum: Double, count: Int) {
        guard (0...1_000_000).contains(count), sum.isFinite else { return (0, 0) }
        return (sum, count)
    }

    /// Samples come in time order; `time` in seconds on the source's clock decides the minute.
    public mutating func append(_ value: Double, at time: Double) {
        let stored = Float(value)
        fine.append(stored)
        // Clamped: a recording may say any time, and Int(Double) traps past Int's range.
        let minutes = (time / Self.coarseStep).rounded(.down)
        let m = minutes.isFinite ? Int(max(-1e15, min(1e15, minutes))) : (minute ?? 0)
        if let current = minute, m != current {
            closeMinute()
        }
        minute = m
        // The stored (Float32) value, so a replay that appends what was stored averages alike.
        minuteSum += stored.isFinite ? Double(stored) : 0
        minuteCount += 1
    }

    private mutating func closeMinute() {
        guard minuteCount > 0 else { return }
        coarse.append(Float(minuteSum / Double(minuteCount)))
        minuteSum = 0
        minuteCount = 0
    }

    /// The fine samples, oldest first.
    public var values: [Double] { fine.values }
    /// One mean per finished minute, oldest first, then the minute in progress.
    public var minuteValues: [Double] {
        var v = coarse.values
        if minuteCount > 0 { v.append(minuteSum / Double(minuteCount)) }
        return v
    }
    public var last: Double? { fine.last }
    public var count: Int { fine.count }
    public var isEmpty: Bool { fine.count == 0 }
    public var capacity: Int { fine.capacity }
    /// Every sample ever appended, for recorders.
    public var appendedTotal: Int { fine.appendedTotal }

    /// Bytes of sample storage (the fixed part; the struct itself adds about 100).
    public var sampleBytes: Int { (fine.capacity + coarse.capacity) * MemoryLayout<Float>.stride }

    /// A fixed-capacity ring of Float32, storage allocated in full up front.
    struct Ring: Sendable, Equatable {
        let capacity: Int
        private var storage: [Float]
        private var head = 0
        private(set) var count = 0
        private(set) var appendedTotal = 0

        init(capacity: Int) {
            precondition(capacity > 0, "a series needs room for at least one sample")
            self.capacity = capacity
            storage = [Float](repeating: 0, count: capacity)
        }

        mutating func append(_ v: Float) {
            appendedTotal += 1
            storage[(head + count) % capacity] = v
            if count < capacity { count += 1 } else { head = (head + 1) % capacity }
        }

        var values: [Double] { (0..<count).map { Double(storage[(head + $0) % capacity]) } }
        var last: Double? { count > 0 ? Double(storage[(head + count - 1) % capacity]) : nil }

        static func == (a: Ring, b: Ring) -> Bool { a.capacity == b.capacity && a.values == b.values }
    }
}

extension TieredSeries: Equatable {
    public static func == (a: TieredSeries, b: TieredSeries) -> Bool {
        a.fine == b.fine && a.coarse == b.coarse && a.minute == b.minute && a.minuteCount == b.minuteCount && a.minuteSum == b.minuteSum
    }
}

extension TieredSeries: Codable {
    private enum CodingKeys: String, CodingKey { case values, minuteMeans, currentMinute, currentMinuteSum, currentMinuteCount }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        func floats(_ key: CodingKeys) throws -> [Float] {
            if let packed = try? c.decode(String.self, forKey: key) {
                guard let v = SeriesPacking.unpackFloats(packed) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "bad packed series")
                }
                return v
            }
            return (try c.decodeIfPresent([Double].self, forKey: key) ?? []).map(Float.init)
        }
        for v in try floats(.values) { fine.append(v) }
        for v in try floats(.minuteMeans) { coarse.append(v) }
        minute = try c.decodeIfPresent(Int.self, forKey: .currentMinute)
        (minuteSum, minuteCount) = Self.minuteInProgress(sum: try c.decodeIfPresent(Double.self, forKey: .currentMinuteSum) ?? 0,
                                                         count: try c.decodeIfPresent(Int.self, forKey: .currentMinuteCount) ?? 0)
    }

    /// The fine samples, the finished minutes' means, and the minute in progress (so a
    /// snapshot decodes to an equal one).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if encoder.userInfo[SeriesPacking.packedKey] as? Bool == true {
            try c.encode(SeriesPacking.pack(values.map(Float.init)), forKey: .values)
            try c.encode(SeriesPacking.pack(coarse.values.map(Float.init)), forKey: .minuteMeans)
        } else {
            try c.encode(values, forKey: .values)
            try c.encode(coarse.values, forKey: .minuteMeans)
        }
        try c.encodeIfPresent(minute, forKey: .currentMinute)
        try c.encode(minuteSum, forKey: .currentMinuteSum)
        try c.encode(minuteCount, forKey: .currentMinuteCount)
    }
}

/// A fixed-capacity time series: the newest `capacity` samples, oldest first.
/// A value type with copy-on-write storage, so a snapshot can hold one for free until the
/// producer appends again.
public struct SeriesRing: Sendable {
    public let capacity: Int
    /// The largest ring a recording may ask for: a day at 10 samples a second is 864,000.
    public static let maxCapacity = 1 << 20
    private var storage: [Double]
    private var head = 0          // index of the oldest sample once full
    public private(set) var count = 0
    /// Every value ever appended (not just those kept): a recorder's way to see what is new.
    public private(set) var appendedTotal = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a series needs room for at least one sample")
        self.capacity = capacity
        storage = []
        storage.reserveCapacity(capacity)
    }

    public init(capacity: Int, values: [Double]) {
        self.init(capacity: capacity)
        for v in values.suffix(capacity) { append(v) }
    }

    public mutating func append(_ value: Double) {
        appendedTotal += 1
        if storage.count < capacity {
            storage.append(value)
            count = storage.count
        } else {
            storage[head] = value
            head = (head + 1) % capacity
        }
    }

    /// Samples oldest first.
    public var values: [Double] {
        if storage.count < capacity || head == 0 { return storage }
        return Array(storage[head...] + storage[..<head])
    }

    /// The newest `n` samples, oldest first.
    public func suffix(_ n: Int) -> [Double] { Array(values.suffix(n)) }

    public var last: Double? {
        guard count > 0 else { return nil }
        return storage.count < capacity ? storage.last : storage[(head + capacity - 1) % capacity]
    }

    public var isEmpty: Bool { count == 0 }
}

/// Two series are equal when they hold the same samples, however the ring is laid out.
extension SeriesRing: Equatable {
    public static func == (a: SeriesRing, b: SeriesRing) -> Bool {
        a.capacity == b.capacity && a.values == b.values
    }
}

extension SeriesRing: Codable {
    private enum CodingKeys: String, CodingKey { case capacity, values }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let capacity = try c.decode(Int.self, forKey: .capacity)
        guard capacity > 0, capacity <= Self.maxCapacity else {
            throw DecodingError.dataCorruptedError(forKey: .capacity, in: c, debugDescription: "capacity must be 1...\(Self.maxCapacity)")
        }
        if let packed = try? c.decode(String.self, forKey: .values) {
            guard let values = SeriesPacking.unpackDoubles(packed) else {
                throw DecodingError.dataCorruptedError(forKey: .values, in: c, debugDescription: "bad packed series")
            }
            self.init(capacity: capacity, values: values)
        } else {
            self.init(capacity: capacity, values: try c.decode([Double].self, forKey: .values))
        }
    }

    /// With `SeriesPacking.packedKey` set in the encoder's userInfo (recordings), the values are
    /// one base64 string of little-endian Float64s: exact, and a third of the text.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(capacity, forKey: .capacity)
        if encoder.userInfo[SeriesPacking.packedKey] as? Bool == true {
            try c.encode(SeriesPacking.pack(values), forKey: .values)
        } else {
            try c.encode(values, forKey: .values)
        }
    }
}

/// A request count from a number a server sent: NaN, infinities, negatives and absurd values
/// become something drawable instead of a trap in `Int(_:)`.
public enum Counts {
    public static let ceiling = 1_000_000_000.0

    public static func from(_ value: Double?) -> Int {
        guard let v = value, v.isFinite, v > 0 else { return 0 }
        return Int(min(v, ceiling).rounded())
    }

    /// A fraction for a gauge: finite and within 0...1.
    public static func ratio(_ value: Double?) -> Double? {
        guard let v = value, v.isFinite else { return nil }
        return max(0, min(1, v))
    }

    /// A rate: finite and not negative.
    public static func rate(_ value: Double?) -> Double {
        guard let v = value, v.isFinite, v > 0 else { return 0 }
        return min(v, 1e15)
    }
}

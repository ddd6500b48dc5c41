/// A request count from a number a server sent: NaN, infinities, negatives and absurd values
/// become something drawable instead of a trap in `Int(_:)`.
enum Counts {
    static let ceiling = 1_000_000_000.0

    static func from(_ value: Double?) -> Int {
        guard let v = value, v.isFinite, v > 0 else { return 0 }
        return Int(min(v, ceiling).rounded())
    }
}

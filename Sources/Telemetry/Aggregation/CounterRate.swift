/// Per-second rate of a counter between two scrapes, with Prometheus' reset rule: a counter
/// that went down restarted from zero, so its whole current value is the increase.
public enum CounterRate {
    public static func increase(from previous: Double, to current: Double) -> Double {
        current >= previous ? current - previous : current
    }

    public static func rate(from previous: Double, to current: Double, seconds: Double) -> Double? {
        guard seconds > 0, previous.isFinite, current.isFinite else { return nil }
        return increase(from: previous, to: current) / seconds
    }

    /// The increase of a counter kept per series: each series' own increase with the reset
    /// rule, summed. A series seen for the first time adds nothing yet (it has no earlier
    /// value, as in Prometheus' `rate`); one that vanished adds nothing.
    public static func increase(from previous: [String: Double], to current: [String: Double]) -> Double {
        current.reduce(0) { sum, kv in
            guard let p = previous[kv.key], p.isFinite, kv.value.isFinite else { return sum }
            return sum + increase(from: p, to: kv.value)
        }
    }
}

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
}

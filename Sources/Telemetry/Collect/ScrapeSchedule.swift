/// When to scrape a target next: every interval while it answers, backing off exponentially
/// (to a minute at most) while it does not, with jitter so a thousand targets do not all
/// fire in the same millisecond.
public enum ScrapeSchedule {
    public static let maximumBackoff = 60.0
    public static let jitterFraction = 0.1

    /// `jitter` is uniform in -1...1 (the caller's random source, so tests can fix it).
    public static func delay(interval: Double, consecutiveFailures: Int, jitter: Double) -> Double {
        let factor = Double(1 << min(max(0, consecutiveFailures), 10))
        let base = min(interval * factor, max(interval, maximumBackoff))
        return base * (1 + jitterFraction * max(-1, min(1, jitter)))
    }
}

/// An API tier's rate limit: `rate` requests per second with a one-second burst. A request
/// finding the bucket empty gets a 429.
struct TokenBucket {
    var rate: Double
    private var tokens: Double
    private var last: Double = 0

    init(rate: Double) {
        self.rate = rate
        tokens = max(1, rate)
    }

    mutating func take(at now: Double) -> Bool {
        tokens = min(max(1, rate), tokens + (now - last) * rate)
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

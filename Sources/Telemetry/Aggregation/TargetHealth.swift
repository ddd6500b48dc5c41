import FleetCore

/// A scrape target's life: up while scrapes succeed, stale after missed scrapes, down after
/// several in a row; each state with the reason an operator can act on.
public struct TargetHealth: Sendable, Equatable {
    /// Misses after which a stale target is called down.
    public static let downAfterFailures = 3

    public var consecutiveFailures = 0
    public var everSucceeded = false
    public var lastError: String?
    public var lastScrapeDuration: Double?
    public var scrapes = 0
    public var failures = 0

    public init() {}

    public mutating func recordSuccess(duration: Double) {
        consecutiveFailures = 0
        everSucceeded = true
        lastError = nil
        lastScrapeDuration = duration
        scrapes += 1
    }

    public mutating func recordFailure(_ reason: String) {
        consecutiveFailures += 1
        lastError = reason
        scrapes += 1
        failures += 1
    }

    public var state: (NodeState, String?) {
        if consecutiveFailures == 0 {
            return everSucceeded ? (.up, nil) : (.stale, "waiting for the first scrape")
        }
        let reason = lastError ?? "scrape failed"
        if consecutiveFailures >= Self.downAfterFailures || !everSucceeded { return (.down, reason) }
        return (.stale, "missed \(consecutiveFailures) scrape\(consecutiveFailures == 1 ? "" : "s"): \(reason)")
    }
}

import FleetCore

/// When an open-loop load sends its requests: a Poisson process at `rate` per second for
/// `duration` seconds, the same offsets for the same seed. Open loop means a request is sent at
/// its time whether or not the ones before it have been answered, as real users do: a closed
/// loop (the next request after the last answer) slows down with the server and hides its queue.
public struct PoissonArrivals: Sequence, IteratorProtocol, Sendable {
    public let rate: Double
    public let duration: Double
    private var random: SeededRandom
    private var now = 0.0

    public init(rate: Double, duration: Double, seed: UInt64) {
        self.rate = rate
        self.duration = duration
        random = SeededRandom(seed: seed)
    }

    /// The next send time, in seconds from the start; nil past the end.
    public mutating func next() -> Double? {
        guard rate > 0 else { return nil }
        now += random.exponential(rate: rate)
        return now < duration ? now : nil
    }
}

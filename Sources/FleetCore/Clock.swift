import Foundation
import Synchronization

/// A source of "now", in seconds. Everything time-dependent takes one, so tests and replays
/// run in virtual time while the live console runs on the wall clock.
public protocol FleetClock: Sendable {
    var now: Double { get }
}

/// Monotonic wall time, in seconds since an arbitrary origin (immune to NTP steps).
public struct WallClock: FleetClock {
    public init() {}
    public var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Seconds since local midnight, as a watched fleet's snapshots carry it (the header's
    /// clock, recordings' times of day).
    public static var localTimeOfDay: Double { timeOfDay(unix: Double(time(nil))) }

    /// Seconds since local midnight at a Unix time.
    public static func timeOfDay(unix: Double) -> Double {
        var t = time_t(unix.isFinite ? max(0, min(unix, 1e12)) : 0)
        var parts = tm()
        localtime_r(&t, &parts)
        return Double(parts.tm_hour * 3600 + parts.tm_min * 60 + parts.tm_sec)
    }
}

/// Time that moves only when told to: tests, headless runs, replays.
public final class VirtualClock: FleetClock {
    private let time: Mutex<Double>

    public init(start: Double = 0) { time = Mutex(start) }

    public var now: Double { time.withLock { $0 } }

    public func advance(by seconds: Double) {
        precondition(seconds >= 0, "virtual time does not run backwards")
        time.withLock { $0 += seconds }
    }

    public func set(_ seconds: Double) {
        time.withLock { $0 = seconds }
    }
}

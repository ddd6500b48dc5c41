import Foundation

/// SIGINT and SIGTERM taken synchronously by a headless command: blocked on the calling
/// thread before any other starts (NIO's, the task pool's inherit the mask), then waited for.
struct TerminationSignals {
    private var set = sigset_t()

    /// Call before starting threads.
    static func block() -> TerminationSignals {
        var s = TerminationSignals()
        sigemptyset(&s.set)
        sigaddset(&s.set, SIGINT)
        sigaddset(&s.set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &s.set, nil)
        return s
    }

    /// Until a signal comes, or `seconds` pass when given.
    /// True when a signal arrived (false: the time ran out).
    @discardableResult
    mutating func wait(atMost seconds: Double?) -> Bool {
        if let d = seconds {
            var timeout = timespec(tv_sec: Int(d), tv_nsec: Int((d - d.rounded(.down)) * 1e9))
            return sigtimedwait(&set, nil, &timeout) > 0
        }
        var received: Int32 = 0
        sigwait(&set, &received)
        return true
    }
}

/// Thrown by `withDeadline` when the time is up.
public struct DeadlineExceeded: Error, Sendable {}

/// Runs `operation`, or gives up after `seconds`, cancelling it: a deadline for a whole
/// network exchange, where a library times out only part of the way (AsyncHTTPClient's ends
/// at the response head, so a body that trickles would hold a fetch forever). The operation
/// must stop when cancelled, as AsyncHTTPClient's requests and body streams do.
public func withDeadline<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(max(0, min(seconds, 86_400)) * 1e9))
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}

import FleetCore
import Foundation

/// A recorder a `SnapshotStore` can call from any task (`SnapshotStore(onPublish:)`): it
/// serialises writes, and after a failure (a full disk) it stops recording and keeps the
/// reason, while the console carries on.
public final class RecordingSink: @unchecked Sendable {
    private let lock = NSLock()
    private let writer: RecordingWriter
    private var failure: String?

    public init(path: String, keyframeInterval: Double = 300) throws {
        writer = try RecordingWriter(path: path, keyframeInterval: keyframeInterval)
    }

    /// Told once, the moment recording stops (a full disk): the console shows it at once,
    /// not only when it quits.
    public var onFailure: (@Sendable (String) -> Void)? {
        get { lock.withLock { failureHandler } }
        set { lock.withLock { failureHandler = newValue } }
    }
    private var failureHandler: (@Sendable (String) -> Void)?

    public func record(_ snapshot: FleetSnapshot) {
        let stopped = lock.withLock { () -> (String, (@Sendable (String) -> Void)?)? in
            guard failure == nil else { return nil }
            do { try writer.record(snapshot) } catch {
                failure = "\(error)"
                return (failure!, failureHandler)
            }
            return nil
        }
        if let (reason, tell) = stopped { tell?(reason) }
    }

    /// Closes the file; `finalEvents` (the console's last events list) adds what came after
    /// the last tick.
    public func close(finalEvents: [FleetEvent]? = nil) {
        lock.withLock {
            if failure == nil, let events = finalEvents { try? writer.recordEvents(events) }
            try? writer.close()
        }
    }

    /// Why recording stopped early, if it did.
    public var error: String? { lock.withLock { failure } }
    public var ticks: Int { lock.withLock { writer.ticks } }
    public var path: String { writer.path }
}

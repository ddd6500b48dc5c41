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

    public func record(_ snapshot: FleetSnapshot) {
        lock.withLock {
            guard failure == nil else { return }
            do { try writer.record(snapshot) } catch { failure = "\(error)" }
        }
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

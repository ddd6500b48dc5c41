import Synchronization

/// The hand-off between a source and the console: the source publishes, the render loop takes
/// the newest without ever waiting on the source's work.
public final class SnapshotStore: Sendable {
    private let state = Mutex<(version: Int, snapshot: FleetSnapshot?)>((0, nil))

    public init() {}

    public func publish(_ snapshot: FleetSnapshot) {
        state.withLock { $0 = ($0.version + 1, snapshot) }
    }

    /// The newest snapshot and its version (0 before the first).
    public func latest() -> (version: Int, snapshot: FleetSnapshot?) {
        state.withLock { $0 }
    }
}

import Synchronization

/// The hand-off between a source and the console: the source publishes, the render loop takes
/// the newest without ever waiting on the source's work.
public final class SnapshotStore: Sendable {
    private let state = Mutex<(version: Int, snapshot: FleetSnapshot?)>((0, nil))
    /// Sees every snapshot as it is published, on the publisher's task (a recorder).
    private let observer: (@Sendable (FleetSnapshot) -> Void)?
    /// Adds to every snapshot before anyone sees it (a local inference node beside the fleet).
    private let transform: (@Sendable (FleetSnapshot) -> FleetSnapshot)?

    public init(transform: (@Sendable (FleetSnapshot) -> FleetSnapshot)? = nil,
                onPublish observer: (@Sendable (FleetSnapshot) -> Void)? = nil) {
        self.transform = transform
        self.observer = observer
    }

    public func publish(_ snapshot: FleetSnapshot) {
        let snapshot = transform?(snapshot) ?? snapshot
        observer?(snapshot)
        state.withLock { $0 = ($0.version + 1, snapshot) }
    }

    /// The newest snapshot and its version (0 before the first).
    public func latest() -> (version: Int, snapshot: FleetSnapshot?) {
        state.withLock { $0 }
    }
}

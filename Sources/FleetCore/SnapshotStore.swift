import Synchronization

/// The hand-off between a source and the console: the source publishes, the render loop takes
/// the newest without ever waiting on the source's work. Also the one channel for lines the
/// events log gets from outside the source (action outcomes, the advisor's warnings), whatever
/// the source.
public final class SnapshotStore: Sendable {
    private struct State {
        var version = 0
        /// As the source published it (after `transform`).
        var published: FleetSnapshot?
        /// `published` with the notes among its events: what everyone reads.
        var shown: FleetSnapshot?
    }

    private let state = Mutex<State>(State())
    private let notes = EventNotes()
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
        let published = transform?(snapshot) ?? snapshot
        let shown = state.withLock { s -> FleetSnapshot in
            let shown = notes.merged(into: published)
            s.version += 1
            s.published = published
            s.shown = shown
            return shown
        }
        observer?(shown)
    }

    /// A line for the events log from outside the source, at the newest snapshot's time: the
    /// console shows it at once (the version moves), a recorder with the next tick.
    public func note(_ severity: FleetEvent.Severity, _ message: String, kind: FleetEvent.Kind = .action) {
        state.withLock { s in
            notes.add(FleetEvent(time: s.published?.time ?? 0, severity: severity, kind: kind, message: message))
            guard let published = s.published else { return }
            s.shown = notes.merged(into: published)
            s.version += 1
        }
    }

    /// The newest snapshot and its version (0 before the first).
    public func latest() -> (version: Int, snapshot: FleetSnapshot?) {
        state.withLock { ($0.version, $0.shown) }
    }
}

/// Anything that publishes snapshots into a `SnapshotStore` until stopped: the simulation
/// driver, the scrape, query and stream loops, a replay.
public protocol FleetSource: Sendable {
    /// Publishes until `stop()`; returns soon after it.
    func run() async
    func stop()
}

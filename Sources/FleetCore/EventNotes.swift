import Synchronization

/// Lines for the events log from outside a source (the action layer's outcomes when the
/// source is a watched fleet); the console merges them into what it shows.
public final class EventNotes: Sendable {
    private let notes = Mutex<[FleetEvent]>([])

    public init() {}

    public func add(_ event: FleetEvent) {
        notes.withLock { n in
            n.append(event)
            if n.count > 200 { n.removeFirst(n.count - 200) }
        }
    }

    public var all: [FleetEvent] { notes.withLock { $0 } }

    /// The snapshot with the notes among its events, in time order.
    public func merged(into s: FleetSnapshot) -> FleetSnapshot {
        let extra = all
        guard !extra.isEmpty else { return s }
        var out = s
        out.events = Array((s.events + extra).sorted { $0.time < $1.time }.suffix(200))
        return out
    }
}

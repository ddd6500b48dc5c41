import Synchronization

/// The store's lines for the events log from outside the source (action outcomes, the
/// advisor's warnings), merged into every snapshot it hands out.
final class EventNotes: Sendable {
    private let notes = Mutex<[FleetEvent]>([])

    init() {}

    func add(_ event: FleetEvent) {
        notes.withLock { n in
            n.append(event)
            if n.count > 200 { n.removeFirst(n.count - 200) }
        }
    }

    var all: [FleetEvent] { notes.withLock { $0 } }

    /// The snapshot with the notes among its events, in time order; on equal times a note
    /// follows the source's events, so the list only ever grows at its end (what a recorder
    /// reading new events from it relies on).
    func merged(into s: FleetSnapshot) -> FleetSnapshot {
        let extra = all
        guard !extra.isEmpty else { return s }
        var merged: [FleetEvent] = []
        merged.reserveCapacity(s.events.count + extra.count)
        var i = 0, j = 0
        while i < s.events.count || j < extra.count {
            if j == extra.count || (i < s.events.count && s.events[i].time <= extra[j].time) {
                merged.append(s.events[i]); i += 1
            } else {
                merged.append(extra[j]); j += 1
            }
        }
        var out = s
        out.events = Array(merged.suffix(200))
        return out
    }
}

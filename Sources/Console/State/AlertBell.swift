import FleetCore

/// When to ring the bell: a page that was not firing on the last snapshot fires on this one.
/// Only pages ring (tickets wait for working hours); an alert that keeps firing rings once.
struct AlertBell {
    private var firingPages: Set<String> = []

    /// Whether `snapshot` brings a new firing page; remembers what fires now.
    mutating func ringsFor(_ snapshot: FleetSnapshot?) -> Bool {
        let now = Set((snapshot?.firingAlerts ?? []).filter { $0.severity == .page }.map(\.id))
        defer { firingPages = now }
        return !now.subtracting(firingPages).isEmpty
    }
}

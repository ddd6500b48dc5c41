/// The newest events a source keeps (a ring): every source has a log, none keeps it forever.
public struct EventBuffer: Sendable {
    public let capacity: Int
    private var items: [FleetEvent] = []
    private var head = 0   // index of the oldest event once full

    public init(capacity: Int = 500) {
        precondition(capacity > 0, "an event buffer needs room for one event")
        self.capacity = capacity
    }

    public mutating func append(_ event: FleetEvent) {
        if items.count < capacity {
            items.append(event)
        } else {
            items[head] = event
            head = (head + 1) % capacity
        }
    }

    /// The newest `n` events, oldest first.
    public func newest(_ n: Int) -> [FleetEvent] {
        let ordered = head == 0 ? items : Array(items[head...] + items[..<head])
        return Array(ordered.suffix(n))
    }
}

import FleetCore

/// The node table's rows: filtered by the `/` query (`NodeFilter`) and sorted by the chosen column.
public enum NodeList {
    public static func matches(_ node: NodeSnapshot, filter: String) -> Bool {
        NodeFilter(filter).matches(node)
    }

    public static func rows(_ snapshot: FleetSnapshot, state: ConsoleState) -> [NodeSnapshot] {
        let query = NodeFilter(state.filter)
        let filtered = query.isEmpty ? snapshot.nodes : snapshot.nodes.filter(query.matches)
        return filtered.sorted { a, b in
            let order = compare(a, b, by: state.sort)
            if order == 0 { return a.id < b.id }
            return state.sortDescending ? order > 0 : order < 0
        }
    }

    static func compare(_ a: NodeSnapshot, _ b: NodeSnapshot, by column: NodeSortColumn) -> Int {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x > y ? 1 : 0 }
        switch column {
        case .node: return cmp(a.id, b.id)
        case .pool: return cmp(a.pool, b.pool)
        case .state: return cmp(severity(a.state), severity(b.state))
        case .gpu: return cmp(a.gpuUtilization, b.gpuUtilization)
        case .kvCache: return cmp(a.kvCacheUsage, b.kvCacheUsage)
        case .running: return cmp(a.running, b.running)
        case .waiting: return cmp(a.waiting, b.waiting)
        case .tokensPerSecond: return cmp(a.tokensPerSecond, b.tokensPerSecond)
        }
    }

    /// Worse states sort higher, so "state ↓" puts trouble on top.
    static func severity(_ s: NodeState) -> Int {
        switch s {
        case .up: return 0
        case .draining: return 1
        case .degraded: return 2
        case .stale: return 3
        case .down: return 4
        }
    }
}

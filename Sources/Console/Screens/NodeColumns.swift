import FleetCore

/// The node tables' columns, declared once: title, width, alignment, priority (the lowest go
/// first when the table is narrow), the sort order they stand for, whether only the Nodes
/// screen shows them, and the cell each node gives. The table, the sort arrow and `s` (which
/// cycles the sortable ones in this order) all read this list.
struct NodeColumn: Sendable {
    enum Width: Sendable { case fixed(Int), idColumn, poolColumn, flexible(min: Int) }

    var title: String
    var width: Width
    var alignment: Table.Alignment = .left
    var priority: Int
    var sort: NodeSortColumn?
    /// Only on the Nodes screen (the overview shows the others).
    var detailedOnly = false
    var cell: @Sendable (NodeSnapshot, ScreenContext) -> Table.TableCell

    static let all: [NodeColumn] = [
        NodeColumn(title: "NODE", width: .idColumn, priority: 9, sort: .node) { n, ctx in
            let marked = ctx.state.markedNodeIDs.contains(n.id)
            return .init(marked ? "\(ctx.glyphs.mark) \(n.id)" : n.id, marked ? .accent : .normal)
        },
        NodeColumn(title: "POOL", width: .poolColumn, priority: 3, sort: .pool) { n, _ in .init(n.pool, .dim) },
        NodeColumn(title: "STATE", width: .fixed(8), priority: 8, sort: .state) { n, _ in .init(n.state.rawValue, ScreenStyle.role(for: n.state)) },
        NodeColumn(title: "GPU%", width: .fixed(5), alignment: .right, priority: 7, sort: .gpu) { n, _ in
            .init(ScreenStyle.pct(n.gpuUtilization), ScreenStyle.role(forLoad: n.gpuUtilization))
        },
        NodeColumn(title: "KV%", width: .fixed(4), alignment: .right, priority: 7, sort: .kvCache) { n, _ in
            .init(ScreenStyle.pct(n.kvCacheUsage), ScreenStyle.role(forLoad: n.kvCacheUsage))
        },
        NodeColumn(title: "RUN", width: .fixed(4), alignment: .right, priority: 6, sort: .running) { n, _ in .init("\(n.running)") },
        NodeColumn(title: "WAIT", width: .fixed(5), alignment: .right, priority: 7, sort: .waiting) { n, _ in
            .init("\(n.waiting)", n.waiting > 0 ? .warn : .normal)
        },
        NodeColumn(title: "TOK/S", width: .fixed(6), alignment: .right, priority: 5, sort: .tokensPerSecond) { n, _ in
            .init(Format.compact(n.tokensPerSecond))
        },
        NodeColumn(title: "PROMPT/S", width: .fixed(8), alignment: .right, priority: 4, detailedOnly: true) { n, _ in
            .init(Format.compact(n.promptTokensPerSecond))
        },
        NodeColumn(title: "PREFIX%", width: .fixed(7), alignment: .right, priority: 4, detailedOnly: true) { n, _ in
            .init(n.prefixCacheHitRate.map(ScreenStyle.pct) ?? "-")
        },
        NodeColumn(title: "PREEMPT/S", width: .fixed(9), alignment: .right, priority: 4, detailedOnly: true) { n, _ in
            .init(n.preemptionsPerSecond > 0 ? Format.compact(n.preemptionsPerSecond) : "0", n.preemptionsPerSecond > 0 ? .warn : .normal)
        },
        NodeColumn(title: "GPUS", width: .fixed(4), alignment: .right, priority: 3, detailedOnly: true) { n, _ in .init("\(n.gpus.count)") },
        NodeColumn(title: "MODEL / VERSION", width: .flexible(min: 10), priority: 2) { n, _ in .init("\(n.model) \(n.version)", .dim) },
        NodeColumn(title: "REASON", width: .flexible(min: 10), priority: 2, detailedOnly: true) { n, _ in
            .init(n.stateReason ?? "", ScreenStyle.role(for: n.state))
        },
    ]

    /// The columns a table shows: the overview's, or the Nodes screen's (`detailed`).
    static func shown(detailed: Bool) -> [NodeColumn] { all.filter { detailed || !$0.detailedOnly } }

    /// The sort orders in the order `s` cycles them: the sortable columns, left to right.
    static var sortOrders: [NodeSortColumn] { all.compactMap(\.sort) }

    /// The table column, its width measured on the fleet shown.
    func column(_ ctx: ScreenContext) -> Table.Column {
        let nodes = ctx.snapshot.nodes
        switch width {
        case .fixed(let w): return .init(title, width: w, alignment: alignment, priority: priority)
        case .idColumn:
            // Node ids are what the operator acts on: the column is as wide as the longest one,
            // with room for the mark before an id while any node is marked.
            let mark = ctx.state.markedNodeIDs.isEmpty ? 0 : TerminalText.width(ctx.glyphs.mark) + 1
            let w = min(28 + mark, max(6, mark + (nodes.map { TerminalText.width($0.id) }.max() ?? 6)))
            return .init(title, width: w, alignment: alignment, priority: priority)
        case .poolColumn:
            return .init(title, width: min(18, max(6, nodes.map { TerminalText.width($0.pool) }.max() ?? 6)), alignment: alignment,
                         priority: priority)
        case .flexible(let minimum): return .init(title, width: nil, alignment: alignment, minWidth: minimum, priority: priority)
        }
    }
}

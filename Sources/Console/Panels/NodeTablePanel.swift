import FleetCore
import Foundation

enum NodeTablePanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext, detailed: Bool) -> Int {
        let rows = NodeList.rows(ctx.snapshot, state: ctx.state)
        let inner = Panel.draw(&canvas, rect, title: "Nodes (\(ctx.snapshot.nodes.count))", glyphs: ctx.glyphs)
        let shown = NodeColumn.shown(detailed: detailed)
        let columns = shown.map { $0.column(ctx) }
        let sortIndex = shown.firstIndex { $0.sort == ctx.state.sort }
        let tableRows = rows.map { n in shown.map { $0.cell(n, ctx) } }
        let selected = ctx.state.selectedNodeID.flatMap { id in rows.firstIndex { $0.id == id } }
        var table = Table(columns: columns, rows: tableRows, selected: selected, sortColumn: sortIndex)
        table.sortDescending = ctx.state.sortDescending
        table.targets = rows.map { .node($0.id) }
        if rows.isEmpty {
            table.draw(&canvas, inner, glyphs: ctx.glyphs)
            canvas.put("no node matches '\(ctx.state.filter)'", x: inner.x + 1, y: inner.y + 1, role: .dim, maxWidth: inner.width - 1)
            Panel.drawRightTitle(&canvas, rect, "/\(ctx.state.filter): 0 of \(ctx.snapshot.nodes.count)", glyphs: ctx.glyphs)
            return 0
        }
        let offset = table.draw(&canvas, inner, offset: ctx.state.nodeScrollOffset, glyphs: ctx.glyphs)
        let position = Table.position(offset: offset, visibleRows: inner.height - 1, rowCount: rows.count)
        let filterNote = ctx.state.filter.isEmpty ? nil : "/\(ctx.state.filter): \(rows.count) of \(ctx.snapshot.nodes.count)"
        if let note = [filterNote, position].compactMap({ $0 }).joined(separator: " · ").nilIfEmpty {
            Panel.drawRightTitle(&canvas, rect, ctx.glyphs == .ascii ? note.replacingOccurrences(of: "·", with: "|") : note,
                                 glyphs: ctx.glyphs)
        }
        return offset
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

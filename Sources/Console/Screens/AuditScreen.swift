import FleetCore
import Foundation

/// Screen 6: every confirmed action, newest first, as the audit log keeps it.
enum AuditScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) {
        let entries = TableRows.audit(ctx.audit, ctx.state).reversed()
        let inner = Panel.draw(&canvas, body, title: ScreenStyle.countTitle("Audit", entries.count, of: ctx.audit.count), glyphs: ctx.glyphs,
                               rightTitle: "fleetdeck audit prints the whole log")
        guard !entries.isEmpty else {
            canvas.put("no actions yet: + - d D b act on the selected node's pool (confirmed with y, audited)", x: inner.x + 1, y: inner.y, role: .dim,
                       maxWidth: inner.width - 2)
            return
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        let columns: [Table.Column] = [
            .init("TIME", width: 8), .init("USER", width: 8), .init("ACTION", width: 8), .init("TARGET", width: 18),
            .init("PARAMETERS", width: 18), .init("ACTUATOR", width: 9), .init("RESULT", width: 7),
            .init("TOOK", width: 6, alignment: .right), .init("DETAIL", width: nil, minWidth: 10),
        ]
        let rows = entries.map { e -> [Table.TableCell] in
            let role: StyleRole = e.result == .failed ? .crit : e.result == .dryRun ? .warn : .normal
            return [.init(formatter.string(from: Date(timeIntervalSince1970: e.time)), .dim), .init(e.user), .init(e.action.rawValue),
                    .init(e.target), .init(e.parameters, .dim), .init(e.actuator), .init(e.result.rawValue, role),
                    .init(Format.duration(e.duration)), .init(e.detail, .dim)]
        }
        Table(columns: columns, rows: Array(rows)).draw(&canvas, inner, glyphs: ctx.glyphs)
    }
}

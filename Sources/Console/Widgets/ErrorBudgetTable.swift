import FleetCore
import Foundation

/// Objectives' error budgets as a table: the target, the attainment and the budget left over
/// what the ledger holds, and the burn rate over the workbook's windows (1x spends the budget
/// exactly over its period; the alert factors are 14.4x over 1 h, 6x over 6 h, 1x over 3 d).
enum ErrorBudgetTable {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, budgets: [ErrorBudgetStatus], showPool: Bool, glyphs: Glyphs) {
        var columns: [Table.Column] = [
            .init("OBJECTIVE", width: nil, minWidth: 14), .init("TARGET", width: 9, alignment: .right),
            .init("WINDOW", width: 7, alignment: .right, priority: 0), .init("ATTAIN", width: 8, alignment: .right),
            .init("LEFT", width: 7, alignment: .right),
        ] + zip(ErrorBudgetStatus.windows, ["5m", "30m", "1h", "6h", "3d"]).map { w, name in
            .init("BURN \(name)", width: 9, alignment: .right, priority: w == 3600 || w == 300 ? 2 : 0)
        }
        if showPool { columns.insert(.init("POOL", width: nil, minWidth: 10), at: 0) }
        let rows = budgets.map { b -> [Table.TableCell] in
            let o = b.objective
            let left = b.remaining
            let leftRole: StyleRole = left.map { $0 < 0 ? .crit : $0 < 0.25 ? .warn : .normal } ?? .dim
            var row: [Table.TableCell] = [
                .init(o.title), .init("< \(o.formatted(o.target))", .dim),
                .init(Format.duration(b.covered), .dim),
                .init(b.attainment.map { String(format: "%.3f%%", $0 * 100) } ?? "-"),
                .init(left.map { String(format: "%.0f%%", max(-999, $0) * 100) } ?? "-", leftRole),
            ]
            for (i, w) in ErrorBudgetStatus.windows.enumerated() {
                let rate = i < b.burnRates.count ? b.burnRates[i] : nil
                let alertAt = BurnRateWindow.workbook.first { $0.long == w || $0.short == w }?.factor ?? 1
                row.append(.init(rate.map { $0 >= 100 ? "\(Int($0))x" : String(format: "%.1fx", $0) } ?? "-",
                                 rate.map { $0 > alertAt ? .crit : $0 > 1 ? .warn : .normal } ?? .dim))
            }
            if showPool { row.insert(.init(b.pool), at: 0) }
            return row
        }
        Table(columns: columns, rows: rows).draw(&canvas, rect, glyphs: glyphs)
    }
}

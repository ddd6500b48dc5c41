import FleetCore
import Foundation

enum CostPanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext) {
        let c = ctx.snapshot.cost
        let inner = Panel.draw(&canvas, rect, title: "Cost", glyphs: ctx.glyphs)
        guard inner.width > 20, inner.height > 0 else { return }
        var y = inner.y
        if c.dollarsPerHour == 0 && c.apiBaselinePerHour == 0 {
            // Watched fleets have no prices until the config gives them.
            canvas.put("no prices known for this fleet", x: inner.x, y: y, role: .dim, maxWidth: inner.width)
            return
        }
        /// A label and value on the left, a second figure on the right when there is room.
        func line(_ label: String, _ value: String, _ right: String = "", _ rightRole: StyleRole = .normal) {
            guard y < inner.maxY else { return }
            let l = canvas.put(label, x: inner.x, y: y, role: .dim, maxWidth: inner.width)
            let v = canvas.put(value, x: inner.x + l, y: y, role: .normal, maxWidth: inner.width - l)
            if !right.isEmpty, inner.width - l - v > TerminalText.width(right) + 1 {
                canvas.putRight(right, right: inner.maxX, y: y, role: rightRole, maxWidth: inner.width - l - v - 1)
            }
            y += 1
        }
        line("fleet ", "\(Format.dollars(c.dollarsPerHour))/h", "\(Format.dollars(c.dollarsPerMillionRequests))/1M req")
        let savings = c.savings
        line("all-API ", "\(Format.dollars(c.apiBaselinePerHour))/h", "saving \(Format.percent(savings))",
             (savings ?? 0) >= 0 ? .ok : .crit)
        if y < inner.maxY {
            canvas.put("$/h", x: inner.x, y: y, role: .dim)
            Sparkline.draw(&canvas, c.history.values, x: inner.x + 6, y: y, width: inner.width - 6, glyphs: ctx.glyphs)
            y += 1
        }
        for p in c.pools.sorted(by: { $0.dollarsPerHour > $1.dollarsPerHour }) {
            line("  \(p.pool) ", "\(Format.dollars(p.dollarsPerHour))/h", "\(Format.dollars(p.dollarsPerMillionRequests))/1M")
        }
        // A tall panel spends its spare rows on the spend over time, with its scale.
        let values = c.history.values
        guard inner.maxY - y >= 4, let top = values.max(), top > 0 else { return }
        y += 1
        canvas.put(TerminalText.truncated("$/h over the last \(Format.duration(Double(values.count))): "
                                          + "\(Format.dollars(values.min())) to \(Format.dollars(top))",
                                          to: inner.width, ellipsis: ctx.glyphs.ellipsis), x: inner.x, y: y, role: .dim)
        HistoryGraph.draw(&canvas, values, in: Rect(x: inner.x, y: y + 1, width: inner.width, height: inner.maxY - y - 1),
                          glyphs: ctx.glyphs, ceiling: top * 1.1)
    }
}

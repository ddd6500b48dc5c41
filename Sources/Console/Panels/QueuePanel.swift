import FleetCore
import Foundation

enum QueuePanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext) {
        let inner = Panel.draw(&canvas, rect, title: "Queues (waiting)", glyphs: ctx.glyphs)
        guard inner.width > 10 else { return }
        let nameWidth = min(16, max(8, inner.width - 16))
        for (i, p) in ctx.snapshot.pools.enumerated() {
            guard i < inner.height else { break }
            if i == inner.height - 1 && ctx.snapshot.pools.count > inner.height {
                canvas.put("+\(ctx.snapshot.pools.count - i) more (3: pools)", x: inner.x, y: inner.y + i, role: .dim)
                break
            }
            let y = inner.y + i
            canvas.mark(Rect(x: inner.x, y: y, width: inner.width, height: 1), .pool(p.id))
            canvas.put(TerminalText.truncated(p.id, to: nameWidth, ellipsis: ctx.glyphs.ellipsis), x: inner.x, y: y, maxWidth: nameWidth)
            let count = p.kind == .api ? "api" : Format.compact(Double(p.waiting))
            canvas.putRight(count, right: inner.x + nameWidth + 6, y: y, role: p.waiting > 0 ? .warn : .normal, maxWidth: 5, ellipsis: ctx.glyphs.ellipsis)
            let series = p.history.waiting.values
            let sparkWidth = inner.width - nameWidth - 9
            if sparkWidth > 2 {
                Sparkline.draw(&canvas, series, x: inner.x + nameWidth + 7, y: y, width: sparkWidth,
                               glyphs: ctx.glyphs, role: p.waiting > 0 ? .warn : .graph, ceiling: 4)
            }
            canvas.put(Sparkline.trend(series.suffix(60).map { $0 }, glyphs: ctx.glyphs), x: inner.maxX - 1, y: y, role: .dim)
        }
    }
}

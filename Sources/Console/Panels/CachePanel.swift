import FleetCore
import Foundation

enum CachePanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext) {
        let inner = Panel.draw(&canvas, rect, title: "Cache hit rates", glyphs: ctx.glyphs)
        guard inner.width > 16 else { return }
        // Response caches first (they save whole requests), then the engines' prefix caches.
        let caches = ctx.snapshot.caches.sorted { ($0.kind == .response ? 0 : 1, $0.id) < ($1.kind == .response ? 0 : 1, $1.id) }
        let labelWidth = min(22, max(8, inner.width - 16))
        for (i, c) in caches.enumerated() {
            guard i < inner.height else { break }
            if i == inner.height - 1 && caches.count > inner.height {
                canvas.put("+\(caches.count - i) more", x: inner.x, y: inner.y + i, role: .dim)
                break
            }
            let label = (c.kind == .response ? "resp " : "pfx  ") + (c.pool ?? c.id)
            Gauge.draw(&canvas, label: TerminalText.truncated(label, to: labelWidth, ellipsis: ctx.glyphs.ellipsis),
                       fraction: c.hitRate, x: inner.x, y: inner.y + i, width: inner.width - 2,
                       labelWidth: labelWidth, glyphs: ctx.glyphs, role: c.kind == .response ? .accent : .bar)
            canvas.put(Sparkline.trend(Array(c.history.values.suffix(120)), glyphs: ctx.glyphs), x: inner.maxX - 1,
                       y: inner.y + i, role: .dim)
        }
    }
}

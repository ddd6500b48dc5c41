import FleetCore

/// Every scrape target and polled cache: its state and why, when it last answered, how long
/// the scrape took, what it returned, and how often it failed.
enum SourcesScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) {
        let s = ctx.snapshot
        let sources = TableRows.sources(s, ctx.state)
        let inner = Panel.draw(&canvas, body, title: ScreenStyle.countTitle("Sources", sources.count, of: s.sources.count), glyphs: ctx.glyphs)
        guard !s.sources.isEmpty else {
            let what = s.source.kind == .simulation
                ? "simulated fleet '\(s.source.name)': nothing is scraped. 'fleetdeck watch' follows real servers."
                : "no sources configured"
            canvas.put(what, x: inner.x + 1, y: inner.y + 1, role: .dim, maxWidth: inner.width - 2)
            return
        }
        let columns: [Table.Column] = [
            .init("SOURCE", width: min(24, max(8, s.sources.map { TerminalText.width($0.id) }.max() ?? 8)), priority: 9),
            .init("STACK", width: 8, priority: 6), .init("STATE", width: 6, priority: 8),
            .init("LAST OK", width: 8, alignment: .right, priority: 7), .init("TOOK", width: 7, alignment: .right, priority: 5),
            .init("SAMPLES", width: 7, alignment: .right, priority: 5), .init("ERRORS", width: 13, alignment: .right, priority: 6),
            .init("ADDRESS", width: nil, minWidth: 12, priority: 3), .init("REASON", width: nil, minWidth: 12, priority: 4),
        ]
        let rows = sources.map { src -> [Table.TableCell] in
            [.init(src.id), .init(src.stack ?? "?", .dim), .init(src.state.rawValue, ScreenStyle.role(for: src.state)),
             .init(src.lastSuccessAge.map { Format.duration($0) + " ago" } ?? "never", src.lastSuccessAge == nil ? .warn : .normal),
             .init(Format.latency(src.lastDuration)), .init(Format.compact(Double(src.samples))),
             // Compact counts: a flood's "+312340" skipped lines must fit as "+312k", not be cut.
             .init("\(Format.compact(Double(src.failures)))/\(Format.compact(Double(src.scrapes)))"
                       + (src.parseIssues > 0 ? " +\(Format.compact(Double(src.parseIssues)))" : ""),
                   src.failures > 0 || src.parseIssues > 0 ? .warn : .normal),
             .init(src.address, .dim), .init(src.reason ?? "", ScreenStyle.role(for: src.state))]
        }
        Table(columns: columns, rows: rows).draw(&canvas, inner, glyphs: ctx.glyphs)
    }
}

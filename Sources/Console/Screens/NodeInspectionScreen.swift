import FleetCore

/// `i`: a node opened down to its engine's page, as fetched just now: the console's reading of
/// it, the engine's configuration, the page's problems, every series, and the events that name
/// the node; typing searches all of it.
enum NodeInspectionScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, view: InspectionView, inspection: NodeInspection?, ctx: ScreenContext) {
        let fetched = inspection.map { "fetched \(Format.clock(WallClock.timeOfDay(unix: $0.fetchedAt))) (Enter again)" } ?? "fetching…"
        let inner = Panel.draw(&canvas, body, title: "inspect \(view.node)" + (inspection.map { "  \($0.source)" } ?? ""),
                               glyphs: ctx.glyphs, rightTitle: fetched + "  Esc back")
        guard inner.height >= 3 else { return }
        let x = inner.x + 1, width = inner.width - 2
        let all = lines(inspection, events: ctx.snapshot.events, node: view.node)
        let shown = view.shown(all)
        let prompt = view.query.isEmpty ? "type to search" : "search: \(view.query)"
        var cx = canvas.put(prompt, x: x, y: inner.y, role: view.query.isEmpty ? .dim : .title, maxWidth: width - 20)
        cx += canvas.put("  \(shown.count) of \(all.count) lines", x: x + cx, y: inner.y, role: .dim, maxWidth: max(0, width - cx))
        var y = inner.y + 1
        if inspection == nil {
            canvas.put("fetching \(view.node)'s page…", x: x, y: y, role: .dim, maxWidth: width)
            y += 1
        } else if let failure = inspection?.failure {
            canvas.put("cannot read the page: \(failure)", x: x, y: y, role: .crit, maxWidth: width)
            y += 1
        }
        let visible = inner.maxY - y
        guard visible > 0 else { return }
        let scroll = max(0, min(view.scroll, shown.count - visible))
        let sectionWidth = 14
        for (i, line) in shown.dropFirst(scroll).prefix(visible).enumerated() {
            let role: StyleRole = line.section == "problems" ? .warn : line.section == "events" ? .accent : .normal
            canvas.put(line.section, x: x, y: y + i, role: .dim, maxWidth: sectionWidth - 1)
            canvas.put(line.text, x: x + sectionWidth, y: y + i, role: role, maxWidth: width - sectionWidth)
        }
        if shown.count > visible {
            Panel.drawRightTitle(&canvas, Rect(x: body.x, y: body.maxY - 1, width: body.width, height: 1),
                                 "\(scroll + 1)-\(min(shown.count, scroll + visible)) of \(shown.count)", glyphs: ctx.glyphs)
        }
    }

    /// The inspection's lines, then the events that name the node, newest first.
    static func lines(_ inspection: NodeInspection?, events: [FleetEvent], node: String) -> [(section: String, text: String)] {
        let named = events.reversed().filter { $0.node == node || $0.message.contains(node) }
            .map { (section: "events", text: "\(Format.duration($0.time)) \($0.message)") }
        return (inspection?.lines ?? []) + named
    }
}

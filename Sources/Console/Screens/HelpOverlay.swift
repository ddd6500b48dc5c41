import FleetCore

/// `?`: the keys of this screen from the keymap (a replay's transport first), then the `:`
/// commands, in a box over the current screen.
enum HelpOverlay {
    static func entries(_ ctx: ScreenContext) -> [(keys: String, action: String)] {
        let active = ctx.keymap.active(at: ctx.state.place, replaying: ctx.snapshot.replay != nil)
            .sorted { $0.scope.precedence > $1.scope.precedence }
        var lines = active.map { b in (b.keys.map { $0.label(ctx.glyphs) }.joined(separator: " "), b.help) }
        let actionsOff = !ctx.keymap.bindings.contains { $0.dangerous }
        lines += CommandSpec.all.filter { !($0.dangerous && actionsOff) }.map { spec in
            (":" + spec.name + (spec.usage.isEmpty ? "" : " " + spec.usage), spec.help)
        }
        lines += ctx.userCommands.map { c in (":\(c.name) [\(c.scope.rawValue.uppercased())]", c.description) }
        return lines
    }

    static func draw(_ canvas: inout Canvas, ctx: ScreenContext, scroll: Int) {
        let all = entries(ctx)
        let keyWidth = min(28, all.map { TerminalText.width($0.keys) }.max() ?? 10)
        let width = min(canvas.width - 4, keyWidth + 4 + (all.map { TerminalText.width($0.action) }.max() ?? 20) + 2)
        let height = min(canvas.height - 2, all.count + 4)
        let rect = Rect(x: (canvas.width - width) / 2, y: (canvas.height - height) / 2, width: width, height: height)
        canvas.fill(rect)
        let rows = max(1, height - 4)
        let first = min(scroll, max(0, all.count - rows))
        let entries = all.dropFirst(first)
        let scrollKeys = ctx.glyphs == .ascii ? "j/k" : "↑↓"
        let more = all.count > rows ? " \(first + 1)-\(min(all.count, first + rows)) of \(all.count), \(scrollKeys) scroll ·" : ""
        let inner = Panel.draw(&canvas, rect, title: "Keys", glyphs: ctx.glyphs, rightTitle: more + " any key closes")
        for (i, (keys, action)) in entries.enumerated() where i < inner.height - 1 {
            canvas.put(keys, x: inner.x + 1, y: inner.y + 1 + i, role: .key, maxWidth: keyWidth)
            canvas.put(action, x: inner.x + 3 + keyWidth, y: inner.y + 1 + i, maxWidth: inner.width - keyWidth - 4)
        }
    }
}

import FleetCore

/// `?`: every key, in a box over the current screen.
enum HelpOverlay {
    static func draw(_ canvas: inout Canvas, ctx: ScreenContext) {
        // In a replay the transport keys come first; they take [ ] and g from the live keys.
        let keys = ctx.snapshot.replay != nil ? KeyHandler.replayHelp + KeyHandler.help.filter { $0.keys != "[ ]" } : KeyHandler.help
        let entries = keys.map { (keys, action) in
            (ctx.glyphs == .ascii ? keys.replacingOccurrences(of: "↑ ↓", with: "Up Dn").replacingOccurrences(of: "← →", with: "Left Right") : keys, action)
        }
        let keyWidth = entries.map { TerminalText.width($0.0) }.max() ?? 10
        let width = min(canvas.width - 4, keyWidth + 4 + (entries.map { TerminalText.width($0.1) }.max() ?? 20) + 2)
        let height = min(canvas.height - 2, entries.count + 4)
        let rect = Rect(x: (canvas.width - width) / 2, y: (canvas.height - height) / 2, width: width, height: height)
        canvas.fill(rect)
        let inner = Panel.draw(&canvas, rect, title: "Keys", glyphs: ctx.glyphs, rightTitle: "any key closes")
        for (i, (keys, action)) in entries.enumerated() where i < inner.height - 1 {
            canvas.put(keys, x: inner.x + 1, y: inner.y + 1 + i, role: .key)
            canvas.put(action, x: inner.x + 3 + keyWidth, y: inner.y + 1 + i, maxWidth: inner.width - keyWidth - 4)
        }
    }
}

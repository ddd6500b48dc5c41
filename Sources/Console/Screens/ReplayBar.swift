import FleetCore

/// A replay's two bottom rows: the timeline (marks where incidents, actions and SLO breaches
/// are, and the playhead) and the transport (state, speed, clock, keys, the file's notice).
enum ReplayBar {
    static func draw(_ canvas: inout Canvas, _ ctx: ScreenContext, _ r: ReplayStatus) {
        drawTimeline(&canvas, ctx, r, y: canvas.height - 2)
        drawTransport(&canvas, ctx, r, y: canvas.height - 1)
    }

    /// Column of time `t` on a timeline `width` wide.
    static func column(_ t: Double, _ r: ReplayStatus, width: Int) -> Int {
        guard r.end > r.start, width > 1 else { return 0 }
        // Clamped before the conversion: a recording's times may be anything, NaN included.
        let f = (t - r.start) / (r.end - r.start)
        guard f.isFinite else { return 0 }
        return Int((max(0, min(1, f)) * Double(width - 1)).rounded())
    }

    static func drawTimeline(_ canvas: inout Canvas, _ ctx: ScreenContext, _ r: ReplayStatus, y: Int) {
        let ascii = ctx.glyphs == .ascii
        let x0 = 1, width = canvas.width - 2
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: .statusDim)
        for x in 0..<width { canvas.put(ascii ? "-" : "─", x: x0 + x, y: y, role: .statusDim) }
        // Alerts under breaches under incidents under actions: the rarer and more telling mark
        // wins a column.
        for kind in [ReplayStatus.Mark.Kind.alert, .sloBreach, .incident, .action] {
            for m in r.marks where m.kind == kind {
                let (glyph, role): (String, StyleRole) = switch kind {
                case .sloBreach: (ascii ? "x" : "×", .crit)
                case .incident: ("!", .warn)
                case .action: (ascii ? "*" : "◆", .accent)
                case .alert: (ctx.glyphs.alert, .warn)
                }
                canvas.put(glyph, x: x0 + column(m.time, r, width: width), y: y, role: role)
            }
        }
        canvas.put(ascii ? "|" : "┃", x: x0 + column(r.position, r, width: width), y: y, role: .paused)
    }

    static func drawTransport(_ canvas: inout Canvas, _ ctx: ScreenContext, _ r: ReplayStatus, y: Int) {
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: .status)
        if case .goingTo(let text) = ctx.state.mode {
            StatusBars.drawPrompt(&canvas, y: y, label: " go to (HH:MM[:SS] of day, or +M[:SS] from the start): ",
                                  text: text, hint: "(Enter go · Esc cancel)", role: .status, glyphs: ctx.glyphs)
            return
        }
        let ascii = ctx.glyphs == .ascii
        let state = r.paused ? (ascii ? "|| paused" : "⏸ paused") : (ascii ? "> playing" : "▶ playing")
        let startOfDay = ctx.snapshot.timeOfDay - ctx.snapshot.time
        let clock = "\(Format.clock(startOfDay + r.position)) / \(Format.clock(startOfDay + r.end))"
        let offset = "+\(Format.duration(r.position - r.start)) of \(Format.duration(r.end - r.start))"
        var x = canvas.put(" \(state) \(Format.compact(r.speed))x  ", x: 0, y: y, role: r.paused ? .paused : .status)
        x += canvas.put("\(clock)  \(offset)  ", x: x, y: y, role: .status)
        // Most needed first: a narrow terminal keeps play, help and quit.
        let keys: [(String, String)] = [("space", r.paused ? "play" : "pause"), ("?", "help"), ("q", "quit"), (ascii ? "<- ->" : "← →", "tick"),
                                        ("[ ]", "1 min"), ("{ }", "event"), ("< >", "speed"), ("g", "go to")]
        for (k, label) in keys {
            let piece = "\(k) \(label)  "
            guard x + TerminalText.width(piece) < canvas.width else { break }
            x += canvas.put(k, x: x, y: y, role: .key)
            x += canvas.put(" \(label)  ", x: x, y: y, role: .status)
        }
        if let notice = r.notice, canvas.width - x > 12 {
            canvas.putRight(notice + " ", right: canvas.width, y: y, role: .paused, maxWidth: canvas.width - x,
                            ellipsis: ctx.glyphs.ellipsis)
        }
    }
}

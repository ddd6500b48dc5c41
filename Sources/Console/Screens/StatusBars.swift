import FleetCore

/// The header (source, clock, fleet health, screen tabs) and the footer (key hints, filter).
enum StatusBars {
    static func drawHeader(_ canvas: inout Canvas, _ ctx: ScreenContext) {
        let s = ctx.snapshot
        let y = 0
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: .status)
        var x = canvas.put(" fleetdeck ", x: 0, y: y, role: .status)
        let kind = s.source.kind == .simulation ? "sim" : s.source.kind.rawValue
        let speed = s.source.speed == 1 ? "" : " x\(Format.compact(s.source.speed))"
        x += canvas.put("\(kind) \(s.source.name) \(Format.clock(s.timeOfDay))\(speed) ", x: x, y: y, role: .status)
        let up = s.nodes.filter { $0.state == .up || $0.state == .degraded }.count
        let rate = s.pools.reduce(0) { $0 + $1.arrivalRate }
        let breaches = s.latency.reduce(0) { $0 + $1.breached.count }
        x += canvas.put("\(ctx.glyphs.vertical) \(up)/\(s.nodes.count) nodes up ", x: x, y: y, role: up < s.nodes.count ? .paused : .status)
        x += canvas.put("\(ctx.glyphs.vertical) \(Format.compact(rate)) req/s ", x: x, y: y, role: .status)
        x += canvas.put("\(ctx.glyphs.vertical) " + (breaches == 0 ? "SLO ok " : "SLO: \(breaches) breached "), x: x, y: y,
                        role: breaches == 0 ? .status : .paused)
        if ctx.state.isFrozen {
            let behind = ctx.live.time - s.time
            x += canvas.put(" PAUSED +\(Format.duration(behind)) (p) ", x: x, y: y, role: .paused)
        }
        // Screen tabs on the right, the current one marked; only numbers for the others when
        // the header is crowded.
        let current = ctx.state.detailNodeID == nil ? ctx.state.screen : nil
        func tabs(compact: Bool) -> String {
            ScreenID.allCases.map { sc in
                sc == current ? "[\(sc.rawValue) \(sc.title)]" : compact ? "\(sc.rawValue)" : "\(sc.rawValue) \(sc.title)"
            }.joined(separator: " ") + " "
        }
        for candidate in [tabs(compact: false), tabs(compact: true)] where canvas.width - x > TerminalText.width(candidate) + 1 {
            canvas.putRight(candidate, right: canvas.width, y: y, role: .status, maxWidth: canvas.width - x,
                            ellipsis: ctx.glyphs.ellipsis)
            break
        }
    }

    static func drawFooter(_ canvas: inout Canvas, _ ctx: ScreenContext) {
        let y = canvas.height - 1
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: .statusDim)
        if ctx.state.editingFilter {
            drawPrompt(&canvas, y: y, label: " filter: ", text: ctx.state.filter, hint: "(Enter keep · Esc clear)", role: .statusDim)
            return
        }
        let hints: [(String, String)] = ctx.state.detailNodeID != nil
            ? [("Esc", "back"), ("p", ctx.state.isFrozen ? "resume" : "pause"), ("?", "help"), ("q", "quit")]
            : [("?", "help"), ("Tab", "screens"), ("↑↓", "select"), ("Enter", "detail"), ("/", "filter"),
               ("s", "sort:\(ctx.state.sort.title)"), ("p", ctx.state.isFrozen ? "resume" : "pause"), ("q", "quit")]
        var x = 1
        for (k, label) in hints {
            let key = ctx.glyphs == .ascii ? k.replacingOccurrences(of: "↑↓", with: "up/dn") : k
            x += canvas.put(key, x: x, y: y, role: .key)
            x += canvas.put(" \(label)  ", x: x, y: y, role: .statusDim)
        }
        if !ctx.state.filter.isEmpty {
            canvas.putRight("filter: \(ctx.state.filter) ", right: canvas.width, y: y, role: .key,
                            maxWidth: max(0, canvas.width - x), ellipsis: ctx.glyphs.ellipsis)
        }
    }

    /// A one-line text prompt: label, what was typed, a cursor and how to finish.
    static func drawPrompt(_ canvas: inout Canvas, y: Int, label: String, text: String, hint: String, role: StyleRole) {
        let x = canvas.put(label, x: 0, y: y, role: .key)
        let used = canvas.put(text, x: x, y: y, role: role)
        canvas.put("_   " + hint, x: x + used, y: y, role: role)
    }
}

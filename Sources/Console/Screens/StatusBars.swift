import FleetCore

/// The header (source, clock, fleet health, screen tabs) and the footer (key hints, filter).
enum StatusBars {
    static func drawHeader(_ canvas: inout Canvas, _ ctx: ScreenContext) {
        let s = ctx.snapshot
        let y = 0
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: .status)
        var x = canvas.put(" fleetdeck ", x: 0, y: y, role: .status)
        // Which fleet this is, in its colour, before anything else: prod must never pass for staging.
        if let badge = ctx.context {
            x += canvas.put("[\(badge.name)]", x: x, y: y, role: badge.role, maxWidth: 24)
            x += canvas.put(" ", x: x, y: y, role: .status)
        }
        // Being recorded: the operator must know what leaves the screen for a file.
        if ctx.recordingTo != nil {
            x += canvas.put(ctx.glyphs == .ascii ? "\(ctx.glyphs.mark)REC" : "\(ctx.glyphs.mark) REC", x: x, y: y, role: .crit)
            x += canvas.put(" ", x: x, y: y, role: .status)
        }
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
        // Firing alerts, the loudest named: what the on-call must see from any screen.
        let firing = s.firingAlerts
        if let loudest = firing.first {
            let more = firing.count > 1 ? " +\(firing.count - 1)" : ""
            let text = "\(ctx.glyphs.alert) \(loudest.name) \(loudest.pool)\(more) "
            let w = canvas.put(text, x: x, y: y, role: loudest.severity == .page ? .crit : .paused, maxWidth: 40)
            canvas.mark(Rect(x: x, y: y, width: w, height: 1), .screen(.alerts))
            x += w
        }
        if ctx.state.isFrozen {
            let behind = ctx.live.time - s.time
            x += canvas.put(" PAUSED +\(Format.duration(behind)) (p) ", x: x, y: y, role: .paused)
        }
        // Screen tabs on the right, the current one marked; only numbers for the others when
        // the header is crowded.
        let current = ctx.state.detailNodeID == nil && ctx.state.detailPoolID == nil ? ctx.state.screen : nil
        func label(_ sc: ScreenID, compact: Bool) -> String {
            sc == current ? "[\(sc.rawValue) \(sc.title)]" : compact ? "\(sc.rawValue)" : "\(sc.rawValue) \(sc.title)"
        }
        func tabs(compact: Bool) -> String {
            ScreenID.allCases.map { label($0, compact: compact) }.joined(separator: " ") + " "
        }
        for compact in [false, true] where canvas.width - x > TerminalText.width(tabs(compact: compact)) + 1 {
            let text = tabs(compact: compact)
            canvas.putRight(text, right: canvas.width, y: y, role: .status, maxWidth: canvas.width - x,
                            ellipsis: ctx.glyphs.ellipsis)
            // Each tab is a click target; the text is drawn once above, so measure it again.
            var tx = canvas.width - TerminalText.width(text)
            for sc in ScreenID.allCases {
                let width = TerminalText.width(label(sc, compact: compact))
                canvas.mark(Rect(x: tx, y: y, width: width, height: 1), .screen(sc))
                tx += width + 1
            }
            break
        }
    }

    /// The keys this screen offers, from the keymap (so a rebinding or `--read-only` shows
    /// here too), as many as fit; the filter on the right.
    static func drawFooter(_ canvas: inout Canvas, _ ctx: ScreenContext) {
        let y = canvas.height - 1
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: .statusDim)
        // Parsed once a frame: a `re:` term compiles its pattern.
        let filterError = TableRows.filterError(ctx.state)
        if ctx.state.mode == .filtering {
            let error = filterError
            drawPrompt(&canvas, y: y, label: " filter: ", text: ctx.state.activeFilter,
                       hint: error.map { "  \($0)" } ?? "(Enter keep · Esc clear)", role: error == nil ? .statusDim : .crit,
                       glyphs: ctx.glyphs)
            return
        }
        if case .inspecting(let view) = ctx.state.mode {
            // The view takes every key: its own, not the screen's, are the ones to show.
            let sep = ctx.glyphs == .ascii ? "|" : "·"
            drawPrompt(&canvas, y: y, label: " search: ", text: view.query,
                       hint: "(type to search \(sep) ↑↓ PgUp PgDn scroll \(sep) Enter fetch again \(sep) Esc \(view.query.isEmpty ? "back" : "clear"))"
                           .replacingOccurrences(of: "↑↓", with: ctx.glyphs == .ascii ? "Up Down" : "↑↓"),
                       role: .statusDim, glyphs: ctx.glyphs)
            return
        }
        let filterText = ctx.state.activeFilter.isEmpty ? ""
            : "filter: \(ctx.state.activeFilter)" + (filterError.map { " (\($0))" } ?? "") + " "
        let room = canvas.width - TerminalText.width(filterText) - 2
        var x = 1
        for b in ctx.keymap.active(at: ctx.state.place, replaying: ctx.snapshot.replay != nil) where b.inFooter {
            guard let label = footerLabel(b, ctx.state) else { continue }
            let key = b.keys[0].label(ctx.glyphs)
            let width = TerminalText.width(key) + TerminalText.width(label) + 3
            guard x + width <= room else { break }
            if b.userCommand == nil { canvas.mark(Rect(x: x, y: y, width: width - 2, height: 1), .command(b.command)) }
            x += canvas.put(key, x: x, y: y, role: .key)
            x += canvas.put(" \(label)  ", x: x, y: y, role: .statusDim)
        }
        if !filterText.isEmpty {
            canvas.putRight(filterText, right: canvas.width, y: y, role: filterError != nil ? .crit : .key,
                            maxWidth: max(0, canvas.width - x), ellipsis: ctx.glyphs.ellipsis)
        }
    }

    /// Labels that say the state they would change; nil when the key would do nothing now.
    static func footerLabel(_ b: KeyBinding, _ state: ConsoleState) -> String? {
        switch b.command {
        case .back:
            if state.detailNodeID != nil || state.detailPoolID != nil { return "back" }
            if !state.activeFilter.isEmpty { return "clear filter" }
            return state.markedNodeIDs.isEmpty ? nil : "clear marks"
        case .drain: return state.markedNodeIDs.isEmpty || state.detailNodeID != nil ? b.label : "drain \(state.markedNodeIDs.count)"
        case .sort: return "sort:\(state.sort.title)"
        case .pause: return state.isFrozen ? "resume" : "pause"
        default: return b.label
        }
    }

    /// The `:` prompt on the bottom row; what Tab could not choose between, on the row above.
    static func drawCommandLine(_ canvas: inout Canvas, _ ctx: ScreenContext, _ input: CommandLineInput) {
        let y = canvas.height - 1
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: .status)
        let history = ctx.glyphs == .ascii ? "Up/Down" : "↑↓"
        drawPrompt(&canvas, y: y, label: ":", text: input.text, hint: "(Tab complete · \(history) history · Enter run · Esc cancel)",
                   role: .status, glyphs: ctx.glyphs)
        if !input.candidates.isEmpty {
            canvas.fill(Rect(x: 0, y: y - 1, width: canvas.width, height: 1), role: .statusDim)
            canvas.put(TerminalText.truncated(" " + input.candidates.joined(separator: "  "), to: canvas.width, ellipsis: ctx.glyphs.ellipsis),
                       x: 0, y: y - 1, role: .statusDim)
        }
    }

    /// What the last key or command said, over the bottom row until the next key.
    static func drawMessage(_ canvas: inout Canvas, _ message: StatusMessage) {
        let y = canvas.height - 1
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1), role: message.isError ? .crit : .status)
        canvas.put(" " + message.text, x: 0, y: y, role: message.isError ? .crit : .status, maxWidth: canvas.width)
    }

    /// A one-line text prompt: label, what was typed, a cursor and how to finish (its parts
    /// apart by `·`, `|` in ASCII).
    static func drawPrompt(_ canvas: inout Canvas, y: Int, label: String, text: String, hint: String, role: StyleRole,
                           glyphs: Glyphs) {
        let x = canvas.put(label, x: 0, y: y, role: .key)
        let used = canvas.put(text, x: x, y: y, role: role)
        canvas.put("_   " + (glyphs == .ascii ? hint.replacingOccurrences(of: "·", with: "|") : hint), x: x + used, y: y, role: role)
    }
}

import FleetCore

/// Key presses as pure state transitions: `next = KeyHandler.handle(key, state, snapshot)`.
public enum KeyHandler {
    /// Every key the console knows, as `?` shows them.
    public static let help: [(keys: String, action: String)] = [
        ("1 2 3 4 5 6 7", "overview, nodes, pools, events, sources, audit, scheduler screen"),
        ("Tab / Shift-Tab", "next / previous screen"),
        ("↑ ↓  j k", "select a node"),
        ("PgUp PgDn  Home End", "page, first, last node"),
        ("Enter", "open the selected node's detail"),
        ("Esc", "back (close detail, help, filter)"),
        ("/", "filter nodes (Enter keeps it, Esc clears it)"),
        ("s / S", "cycle the sort column / reverse the order"),
        ("p", "pause the display; data keeps flowing"),
        ("[ ]", "scroll the events log back / forward"),
        ("z", "node graphs: last 15 min by the second / last 24 h by the minute"),
        ("+ -  3+", "scale the selected node's pool by one (or by the count)"),
        ("d", "degrade menu for the selected node's pool"),
        ("D", "drain the selected node"),
        ("b", "shift 10% of blue/green traffic to the pool"),
        ("a", "scheduler screen: apply the advisor's recommendation"),
        ("?", "this help"),
        ("q", "quit"),
    ]

    /// The transport keys of a replay (`fleetdeck replay`), shown by `?` during one.
    public static let replayHelp: [(keys: String, action: String)] = [
        ("space", "pause / play"),
        ("← →", "step one tick back / forward"),
        ("[ ]", "seek one minute back / forward"),
        ("{ }", "jump to the previous / next event (incident, action, SLO breach)"),
        ("< >", "half / double speed (0.25x to 64x)"),
        ("g", "go to a time: HH:MM[:SS] of day, or +M[:SS] from the start"),
    ]

    public static func handle(_ key: Key, _ state: ConsoleState, snapshot: FleetSnapshot?, advice: FleetAdvice? = nil) -> ConsoleState {
        var s = state
        if s.editingFilter { return editFilter(key, s) }
        if s.editingGoto { return editGoto(key, s, snapshot: snapshot) }
        if let pending = s.confirming {
            // Only `y` confirms; anything else cancels. A refused plan just closes.
            s.confirming = nil
            if key == .char("y") && pending.plan.refusal == nil { s.confirmedAction = pending.action }
            return s
        }
        if let pool = s.degradeMenuPool {
            s.degradeMenuPool = nil
            if case .char(let c) = key, let n = c.wholeNumberValue, (1...DegradeMode.allCases.count).contains(n) {
                let mode = DegradeMode.allCases[n - 1]
                let on = !(snapshot?.pool(pool)?.degradeModes ?? []).contains(mode)
                s.requestedAction = .degrade(pool: pool, mode: mode, on: on)
            }
            return s
        }
        if key == .char("a"), s.screen == .scheduler, s.detailNodeID == nil, !s.showHelp, snapshot?.replay == nil {
            // The recommendation once it has held through the hysteresis; what is only being
            // watched is not offered.
            if let action = advice?.active?.action { s.requestedAction = action }
            return s
        }
        if let action = actionKey(key, &s, snapshot: snapshot) {
            s.requestedAction = action
            return s
        }
        if snapshot?.replay != nil, !s.showHelp, let command = replayCommand(for: key) {
            if let command {
                s.replayCommand = command
            } else {
                s.editingGoto = true
                s.gotoText = ""
            }
            return s
        }
        if s.showHelp {
            // Any key closes the help; q still quits.
            s.showHelp = false
            if key == .char("q") { s.quit = true }
            return s
        }
        let rows = snapshot.map { NodeList.rows(s.frozen ?? $0, state: s) } ?? []
        switch key {
        case .char("q"): s.quit = true
        case .char("?"): s.showHelp = true
        case .char("/"):
            s.editingFilter = true
        case .char("p"):
            s.frozen = s.frozen == nil ? snapshot : nil
        case .char("s"):
            let all = NodeSortColumn.allCases
            s.sort = all[(all.firstIndex(of: s.sort)! + 1) % all.count]
            s.sortDescending = s.sort.descendingByDefault
        case .char("S"):
            s.sortDescending.toggle()
        case .char("["): s.eventScrollBack = min(s.eventScrollBack + 5, max(0, ((s.frozen ?? snapshot)?.events.count ?? 1) - 1))
        case .char("]"): s.eventScrollBack = max(0, s.eventScrollBack - 5)
        case .char("z"): s.dayHistory.toggle()
        case .char(let c) where c.wholeNumberValue.flatMap(ScreenID.init(rawValue:)) != nil:
            s.screen = ScreenID(rawValue: c.wholeNumberValue!)!
            s.detailNodeID = nil
        case .tab:
            s.screen = ScreenID(rawValue: s.screen.rawValue % ScreenID.allCases.count + 1)!
            s.detailNodeID = nil
        case .backTab:
            let n = ScreenID.allCases.count
            s.screen = ScreenID(rawValue: (s.screen.rawValue + n - 2) % n + 1)!
            s.detailNodeID = nil
        case .up, .char("k"): s.selectedNodeID = move(rows, from: s.selectedNodeID, by: -1)
        case .down, .char("j"): s.selectedNodeID = move(rows, from: s.selectedNodeID, by: 1)
        case .pageUp: s.selectedNodeID = move(rows, from: s.selectedNodeID, by: -10)
        case .pageDown: s.selectedNodeID = move(rows, from: s.selectedNodeID, by: 10)
        case .home, .char("g"): s.selectedNodeID = rows.first?.id
        case .end, .char("G"): s.selectedNodeID = rows.last?.id
        case .enter:
            if s.screen == .overview || s.screen == .nodes {
                s.detailNodeID = s.selectedNodeID ?? rows.first?.id
            }
        case .escape:
            if s.detailNodeID != nil { s.detailNodeID = nil }
            else if !s.filter.isEmpty { s.filter = "" }
            else if s.frozen != nil { s.frozen = nil }
        default: break
        }
        return s
    }

    /// The action keys (`+` `-` with a count, `d`, `D`, `b`) on the overview, nodes and node
    /// screens; digits build the count. Nil when the key is not one of them.
    static func actionKey(_ key: Key, _ s: inout ConsoleState, snapshot: FleetSnapshot?) -> OperatorAction? {
        guard let snap = snapshot, s.screen == .overview || s.screen == .nodes || s.detailNodeID != nil || s.countPrefix != nil else {
            s.countPrefix = nil
            return nil
        }
        let rows = NodeList.rows(s.frozen ?? snap, state: s)
        let node = s.detailNodeID ?? s.selectedNodeID ?? rows.first?.id
        let pool = node.flatMap { id in snap.nodes.first { $0.id == id }?.pool }
        switch key {
        case .char(let c) where c.wholeNumberValue != nil:
            // Remembered as a count in case `+` or `-` follows; the digit still switches screens.
            if s.screenBeforeCount == nil { s.screenBeforeCount = s.screen }
            s.countPrefix = min(99, (s.countPrefix ?? 0) * 10 + c.wholeNumberValue!)
            return nil
        case .char("+"), .char("-"):
            let count = max(1, s.countPrefix ?? 1)
            if let back = s.screenBeforeCount { s.screen = back }
            s.countPrefix = nil
            s.screenBeforeCount = nil
            guard let pool else { return nil }
            return .scale(pool: pool, delta: key == .char("+") ? count : -count)
        default:
            s.countPrefix = nil
            s.screenBeforeCount = nil
        }
        switch key {
        case .char("d"):
            if let pool { s.degradeMenuPool = pool }
            return nil
        case .char("D"): return node.map { .drain(node: $0) }
        case .char("b"): return pool.map { .shift(toward: $0, from: nil, percent: 10) }
        default: return nil
        }
    }

    /// The replay transport's meaning of a key: `.some(nil)` opens the go-to prompt; nil when
    /// the key is not a transport key.
    static func replayCommand(for key: Key) -> ReplayCommand?? {
        switch key {
        case .char(" "): return .some(.togglePause)
        case .left: return .some(.step(-1))
        case .right: return .some(.step(1))
        case .char("["): return .some(.seekBy(-60))
        case .char("]"): return .some(.seekBy(60))
        case .char("{"): return .some(.jumpToEvent(forward: false))
        case .char("}"): return .some(.jumpToEvent(forward: true))
        case .char("<"): return .some(.slower)
        case .char(">"): return .some(.faster)
        case .char("g"): return .some(nil)
        default: return nil
        }
    }

    static func editGoto(_ key: Key, _ state: ConsoleState, snapshot: FleetSnapshot?) -> ConsoleState {
        var s = state
        switch key {
        case .escape: s.editingGoto = false
        case .backspace: if !s.gotoText.isEmpty { s.gotoText.removeLast() }
        case .enter:
            s.editingGoto = false
            if let snap = snapshot, let replay = snap.replay,
               let t = gotoTime(s.gotoText, startTimeOfDay: snap.timeOfDay - snap.time, start: replay.start) {
                s.replayCommand = .seekTo(t)
            }
        case .char(let c) where "0123456789:+.".contains(c) && s.gotoText.count < 12: s.gotoText.append(c)
        default: break
        }
        return s
    }

    /// Recording time for what was typed after `g`: `HH:MM[:SS]` is a time of day (as the
    /// header's clock shows), `+M[:SS]` or `+S` an offset from the recording's start.
    public static func gotoTime(_ text: String, startTimeOfDay: Double, start: Double) -> Double? {
        let relative = text.hasPrefix("+")
        let parts = (relative ? String(text.dropFirst()) : text).split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let p = parts.map { $0! }
        if relative {
            let seconds = p.count == 1 ? p[0] * 60 : p.reduce(0) { $0 * 60 + $1 }
            return start + seconds
        }
        guard p.count >= 2 else { return nil }
        let ofDay = p[0] * 3600 + p[1] * 60 + (p.count == 3 ? p[2] : 0)
        var t = ofDay - startTimeOfDay
        if t < start - 43_200 { t += 86_400 }   // past midnight
        return t
    }

    static func editFilter(_ key: Key, _ state: ConsoleState) -> ConsoleState {
        var s = state
        switch key {
        case .enter: s.editingFilter = false
        case .escape: s.editingFilter = false; s.filter = ""
        case .backspace: if !s.filter.isEmpty { s.filter.removeLast() }
        case .char(let c):
            // Only printable characters join the filter; it is shown on screen.
            if c.unicodeScalars.allSatisfy({ !TerminalText.isUnsafe($0) }), s.filter.count < 64 { s.filter.append(c) }
        default: break
        }
        return s
    }

    /// The id `delta` rows away from `current` in `rows` (the first row when nothing is selected).
    static func move(_ rows: [NodeSnapshot], from current: String?, by delta: Int) -> String? {
        guard !rows.isEmpty else { return current }
        guard let current, let i = rows.firstIndex(where: { $0.id == current }) else { return rows.first?.id }
        return rows[max(0, min(rows.count - 1, i + delta))].id
    }
}

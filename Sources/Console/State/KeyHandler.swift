import FleetCore

/// Key presses as pure state transitions: `next = KeyHandler.handle(key, state, snapshot)`.
public enum KeyHandler {
    /// Every key the console knows, as `?` shows them.
    public static let help: [(keys: String, action: String)] = [
        ("1 2 3 4 5", "overview, nodes, pools, events, sources screen"),
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
        ("?", "this help"),
        ("q", "quit"),
    ]

    public static func handle(_ key: Key, _ state: ConsoleState, snapshot: FleetSnapshot?) -> ConsoleState {
        var s = state
        if s.editingFilter { return editFilter(key, s) }
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

import FleetCore

/// What the keys act on besides the state: the newest snapshot and advice, the keymap, and
/// what the command line completes from.
public struct KeyContext {
    public var snapshot: FleetSnapshot?
    public var advice: FleetAdvice?
    public var keymap: Keymap
    /// `aliases:` from the config: a word for the start of a `:` command.
    public var aliases: [String: String]
    /// Theme names `:theme` offers.
    public var themes: [String]
    /// `--read-only`: commands that change the fleet are refused.
    public var readOnly: Bool
    /// The config's `commands:`.
    public var userCommands: [UserCommand]
    /// The audit screen's entries, for an export of it.
    public var audit: [AuditEntry] = []
    /// Where clicks land on the frame on screen.
    public var regions: [ClickRegion] = []
    /// The config's contexts, and the one shown, for `:ctx`.
    public var contexts: [String] = []
    public var currentContext: String?
    public var contextsLocked: String?

    public init(snapshot: FleetSnapshot?, advice: FleetAdvice? = nil, keymap: Keymap = .standard, aliases: [String: String] = [:],
                themes: [String] = [], readOnly: Bool = false, userCommands: [UserCommand] = []) {
        self.snapshot = snapshot
        self.advice = advice
        self.keymap = keymap
        self.aliases = aliases
        self.themes = themes
        self.readOnly = readOnly
        self.userCommands = userCommands
    }

    var replaying: Bool { snapshot?.replay != nil }
}

/// The next state and what the render loop must do about it.
public struct KeyOutcome: Equatable {
    public var state: ConsoleState
    public var effects: [ConsoleEffect]

    public init(_ state: ConsoleState, _ effects: [ConsoleEffect] = []) { self.state = state; self.effects = effects }
}

/// Key presses as pure transitions: `(state, effects) = KeyHandler.handle(key, state, context)`.
/// A mode (a prompt, a dialog, a menu) takes every key while it is open; otherwise the keymap
/// turns the key into a command.
public enum KeyHandler {
    public static func handle(_ key: Key, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        s.message = nil
        if case .mouse(let event) = key { return mouse(event, s, ctx) }
        switch s.mode {
        case .filtering: return KeyOutcome(editFilter(key, s))
        case .goingTo(let text): return editGoto(key, text, s, ctx)
        case .confirming(let pending): return confirm(key, pending, s)
        case .degradeMenu(let pool): return chooseDegradeMode(key, pool, s, ctx)
        case .commandLine(let input): return CommandLineEditor.edit(key, input, s, ctx)
        case .inspecting(let view): return browseInspection(key, view, s)
        case .help(let scroll):
            // ↑ ↓ and the page keys scroll; any other key closes the help; the quit key still quits.
            let step: Int? = switch key {
            case .up, .char("k"): -1
            case .down, .char("j"): 1
            case .pageUp: -10
            case .pageDown, .char(" "): 10
            default: nil
            }
            if let step {
                s.mode = .help(scroll: max(0, scroll + step))
                return KeyOutcome(s)
            }
            s.mode = .browsing
            let quit = ctx.keymap.binding(for: key, at: s.place, replaying: ctx.replaying)?.command == .quit
            return KeyOutcome(s, quit ? [.quit] : [])
        case .browsing:
            guard let binding = ctx.keymap.binding(for: key, at: s.place, replaying: ctx.replaying) else { return KeyOutcome(s) }
            if let name = binding.userCommand, let command = ctx.userCommands.first(where: { $0.name == name }) {
                return runUserCommand(command, on: nil, s, ctx)
            }
            return perform(binding.command, s, ctx)
        }
    }

    /// What a command does, whether a key or the command line gave it.
    static func perform(_ command: ConsoleCommand, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        if let screen = command.screen {
            s.screen = screen
            s.closeDetail()
            return KeyOutcome(s)
        }
        if let replay = command.replayCommand { return KeyOutcome(s, [.replay(replay)]) }
        let shown = s.frozen ?? ctx.snapshot
        switch command {
        case .nextScreen, .previousScreen:
            let n = ScreenID.allCases.count
            let step = command == .nextScreen ? 1 : n - 1
            s.screen = ScreenID(rawValue: (s.screen.rawValue - 1 + step) % n + 1)!
            s.closeDetail()
        case .up: select(&s, shown, by: -1)
        case .down: select(&s, shown, by: 1)
        case .pageUp: select(&s, shown, by: -10)
        case .pageDown: select(&s, shown, by: 10)
        case .first: select(&s, shown, toEnd: false)
        case .last: select(&s, shown, toEnd: true)
        case .open:
            if s.place == .screen(.pools) {
                s.detailPoolID = s.selectedPoolID ?? shown.flatMap { TableRows.pools($0, s).first?.id }
            } else {
                s.detailNodeID = s.selectedNodeID ?? shown.flatMap { NodeList.rows($0, state: s).first?.id }
            }
        case .inspect:
            guard !ctx.replaying else {
                s.message = StatusMessage("a recording holds no engine pages: inspect a live fleet", isError: true)
                return KeyOutcome(s)
            }
            guard let node = targetNode(s, ctx) else { return noTarget(s, "node") }
            s.mode = .inspecting(InspectionView(node: node))
            return KeyOutcome(s, [.inspect(node: node)])
        case .back:
            if s.detailNodeID != nil { s.detailNodeID = nil }
            else if s.detailPoolID != nil { s.detailPoolID = nil }
            else if !s.activeFilter.isEmpty { s.activeFilter = "" }
            else if !s.markedNodeIDs.isEmpty { s.markedNodeIDs = [] }
            else if s.frozen != nil { s.frozen = nil }
        case .mark:
            guard let id = s.selectedNodeID ?? shown.flatMap({ NodeList.rows($0, state: s).first?.id }) else { break }
            if s.markedNodeIDs.remove(id) == nil { s.markedNodeIDs.insert(id) }
            s.selectedNodeID = id
            select(&s, shown, by: 1)
        case .filter: s.mode = .filtering
        case .sort:
            let all = NodeColumn.sortOrders
            s.sort = all[((all.firstIndex(of: s.sort) ?? -1) + 1) % all.count]
            s.sortDescending = s.sort.descendingByDefault
        case .reverseSort: s.sortDescending.toggle()
        case .pause: s.frozen = s.frozen == nil ? ctx.snapshot : nil
        case .eventsBack: s.eventScrollBack = min(s.eventScrollBack + 5, max(0, (shown?.events.count ?? 1) - 1))
        case .eventsForward: s.eventScrollBack = max(0, s.eventScrollBack - 5)
        case .historySpan: s.dayHistory.toggle()
        case .scaleUp, .scaleDown:
            guard let pool = targetPool(s, ctx) else { return noTarget(s, "pool") }
            return KeyOutcome(s, [.plan(.scale(pool: pool, delta: command == .scaleUp ? 1 : -1))])
        case .degrade:
            guard let pool = targetPool(s, ctx) else { return noTarget(s, "pool") }
            s.mode = .degradeMenu(pool: pool)
        case .drain:
            // Marked nodes still in the fleet, in the table's order; else the selected one.
            let marked = shown.map { NodeList.rows($0, state: s).map(\.id).filter(s.markedNodeIDs.contains) } ?? []
            if s.detailNodeID == nil, !marked.isEmpty {
                return KeyOutcome(s, [marked.count == 1 ? .plan(.drain(node: marked[0])) : .planAll(marked.map { .drain(node: $0) })])
            }
            guard let node = targetNode(s, ctx) else { return noTarget(s, "node") }
            return KeyOutcome(s, [.plan(.drain(node: node))])
        case .shift:
            guard let pool = targetPool(s, ctx) else { return noTarget(s, "pool") }
            return KeyOutcome(s, [.plan(.shift(toward: pool, from: nil, percent: 10))])
        case .applyAdvice:
            // The recommendation once it has held through the hysteresis; what is only being
            // watched is not offered.
            guard !ctx.replaying, let action = ctx.advice?.active?.action else {
                s.message = StatusMessage("no recommendation to apply", isError: true)
                return KeyOutcome(s)
            }
            return KeyOutcome(s, [.plan(action)])
        case .undo:
            guard let last = s.lastConfirmed else {
                s.message = StatusMessage("nothing to undo: no action confirmed in this session", isError: true)
                return KeyOutcome(s)
            }
            guard let inverse = last.inverse else {
                s.message = StatusMessage("\(last.verb.rawValue) \(last.target) has no inverse action", isError: true)
                return KeyOutcome(s)
            }
            return KeyOutcome(s, [.plan(inverse)])
        case .export: return export(s, ctx, path: nil)
        case .help: s.mode = .help(scroll: 0)
        case .command: s.mode = .commandLine(CommandLineInput())
        case .quit: return KeyOutcome(s, [.quit])
        case .replayGoTo: s.mode = .goingTo("")
        default: break   // screens and the transport above; user commands by their binding
        }
        return KeyOutcome(s)
    }

    /// A user command on `target`, or on the selection when nil: planned through the dialog.
    static func runUserCommand(_ command: UserCommand, on target: String?, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        guard !(command.dangerous && ctx.readOnly) else {
            s.message = StatusMessage(":\(command.name): read-only (--read-only): actions are off", isError: true)
            return KeyOutcome(s)
        }
        guard let snap = s.frozen ?? ctx.snapshot else { return noTarget(s, command.scope.rawValue) }
        switch command.scope {
        case .node:
            guard let id = target ?? targetNode(s, ctx), let node = snap.nodes.first(where: { $0.id == id }) else {
                if let target {
                    s.message = StatusMessage(":\(command.name): no node '\(TerminalText.sanitized(target))'", isError: true)
                    return KeyOutcome(s)
                }
                return noTarget(s, "node")
            }
            return KeyOutcome(s, [.planCommand(UserCommandRun(command: command, target: node.id, pool: node.pool))])
        case .pool:
            guard let id = target ?? targetPool(s, ctx), let pool = snap.pool(id) else {
                if let target {
                    s.message = StatusMessage(":\(command.name): no pool '\(TerminalText.sanitized(target))'", isError: true)
                    return KeyOutcome(s)
                }
                return noTarget(s, "pool")
            }
            return KeyOutcome(s, [.planCommand(UserCommandRun(command: command, target: pool.id, pool: pool.id))])
        }
    }

    static func export(_ state: ConsoleState, _ ctx: KeyContext, path: String?) -> KeyOutcome {
        var s = state
        guard let snap = s.frozen ?? ctx.snapshot,
              let table = ExportTable.of(s, snapshot: snap, audit: ctx.audit) else {
            s.message = StatusMessage("no table to export here", isError: true)
            return KeyOutcome(s)
        }
        return KeyOutcome(s, [.export(table, path: path)])
    }

    private static func noTarget(_ s: ConsoleState, _ what: String) -> KeyOutcome {
        var s = s
        s.message = StatusMessage("no \(what) selected", isError: true)
        return KeyOutcome(s)
    }

    /// The pool a key acts on: the Pools screen's selected row, or the selected node's pool.
    static func targetPool(_ s: ConsoleState, _ ctx: KeyContext) -> String? {
        guard let snap = s.frozen ?? ctx.snapshot else { return nil }
        if s.place == .poolDetail { return s.detailPoolID }
        if s.place == .screen(.pools) { return s.selectedPoolID ?? TableRows.pools(snap, s).first?.id }
        let node = targetNode(s, ctx)
        return node.flatMap { id in snap.nodes.first { $0.id == id }?.pool }
    }

    static func targetNode(_ s: ConsoleState, _ ctx: KeyContext) -> String? {
        guard let snap = s.frozen ?? ctx.snapshot, Place.nodeTargets.contains(s.place) else { return nil }
        return s.detailNodeID ?? s.selectedNodeID ?? NodeList.rows(snap, state: s).first?.id
    }

    /// Moves the selection of the table on screen: pools on the Pools screen, nodes elsewhere.
    static func select(_ s: inout ConsoleState, _ shown: FleetSnapshot?, by delta: Int) {
        guard let snap = shown else { return }
        if s.place == .screen(.pools) {
            // The table shows its first row selected until one is chosen: move from there.
            let ids = TableRows.pools(snap, s).map(\.id)
            s.selectedPoolID = move(ids, from: s.selectedPoolID ?? ids.first, by: delta)
        } else {
            s.selectedNodeID = move(NodeList.rows(snap, state: s).map(\.id), from: s.selectedNodeID, by: delta)
        }
    }

    static func select(_ s: inout ConsoleState, _ shown: FleetSnapshot?, toEnd: Bool) {
        guard let snap = shown else { return }
        if s.place == .screen(.pools) {
            let pools = TableRows.pools(snap, s)
            s.selectedPoolID = toEnd ? pools.last?.id : pools.first?.id
        } else {
            let rows = NodeList.rows(snap, state: s)
            s.selectedNodeID = toEnd ? rows.last?.id : rows.first?.id
        }
    }

    /// The id `delta` rows away from `current` in `ids` (the first row when nothing is selected).
    static func move(_ ids: [String], from current: String?, by delta: Int) -> String? {
        guard !ids.isEmpty else { return current }
        guard let current, let i = ids.firstIndex(of: current) else { return ids.first }
        return ids[max(0, min(ids.count - 1, i + delta))]
    }

    // MARK: modes

    /// `y` runs the action; in a scale dialog `+` and `-` change the count (and the plan is
    /// made again); any other key cancels. A refused plan only closes.
    static func confirm(_ key: Key, _ pending: PendingAction, _ state: ConsoleState) -> KeyOutcome {
        var s = state
        s.mode = .browsing
        if key == .char("y") && pending.plan.refusal == nil {
            switch pending.subject {
            case .action(let a):
                s.lastConfirmed = a
                return KeyOutcome(s, [.run(a)])
            case .actions(let all):
                s.markedNodeIDs = []
                return KeyOutcome(s, all.map { .run($0) })
            case .command(let r): return KeyOutcome(s, [.runCommand(r)])
            }
        }
        if case let .scale(pool, delta)? = pending.action, key == .char("+") || key == .char("-") {
            var next = delta + (key == .char("+") ? 1 : -1)
            if next == 0 { next = key == .char("+") ? 1 : -1 }
            s.mode = .confirming(pending)
            return KeyOutcome(s, [.plan(.scale(pool: pool, delta: max(-99, min(99, next))))])
        }
        return KeyOutcome(s)
    }

    static func chooseDegradeMode(_ key: Key, _ pool: String, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        s.mode = .browsing
        guard case .char(let c) = key, let n = c.wholeNumberValue, (1...DegradeMode.allCases.count).contains(n) else {
            return KeyOutcome(s)
        }
        let mode = DegradeMode.allCases[n - 1]
        let on = !((s.frozen ?? ctx.snapshot)?.pool(pool)?.degradeModes ?? []).contains(mode)
        return KeyOutcome(s, [.plan(.degrade(pool: pool, mode: mode, on: on))])
    }

    static func editGoto(_ key: Key, _ text: String, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        switch key {
        case .escape: s.mode = .browsing
        case .backspace: s.mode = .goingTo(String(text.dropLast()))
        case .enter:
            s.mode = .browsing
            guard let snap = ctx.snapshot, let replay = snap.replay,
                  let t = gotoTime(text, startTimeOfDay: snap.timeOfDay - snap.time, start: replay.start) else {
                s.message = StatusMessage("go to: HH:MM[:SS] of day, or +M[:SS] from the start", isError: true)
                return KeyOutcome(s)
            }
            return KeyOutcome(s, [.replay(.seekTo(t))])
        case .char(let c) where "0123456789:+.".contains(c) && text.count < 12: s.mode = .goingTo(text + String(c))
        default: break
        }
        return KeyOutcome(s)
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
        case .enter: s.mode = .browsing
        case .escape: s.mode = .browsing; s.activeFilter = ""
        case .backspace: if !s.activeFilter.isEmpty { s.activeFilter.removeLast() }
        case .char(let c):
            // Only printable characters join the filter; it is shown on screen.
            if TerminalText.isPrintable(c), s.activeFilter.count < 64 { s.activeFilter.append(c) }
        default: break
        }
        return s
    }
}

extension KeyHandler {
    /// The inspection view: printable keys search (every word must appear), Backspace takes
    /// one back, ↑ ↓ and the page keys scroll, Enter fetches the page again, Esc clears the
    /// search or, with none, closes the view.
    static func browseInspection(_ key: Key, _ view: InspectionView, _ state: ConsoleState) -> KeyOutcome {
        var s = state
        var v = view
        switch key {
        case .escape:
            if v.query.isEmpty { s.mode = .browsing; return KeyOutcome(s) }
            v.query = ""
            v.scroll = 0
        case .enter:
            s.mode = .inspecting(v)
            return KeyOutcome(s, [.inspect(node: v.node)])
        case .backspace:
            if !v.query.isEmpty { v.query.removeLast(); v.scroll = 0 }
        case .up: v.scroll = max(0, v.scroll - 1)
        case .down: v.scroll += 1
        case .pageUp: v.scroll = max(0, v.scroll - 10)
        case .pageDown: v.scroll += 10
        case .home: v.scroll = 0
        case .char(let c) where v.query.count < 64 && TerminalText.isPrintable(c):
            v.query.append(c)
            v.scroll = 0
        default: break
        }
        s.mode = .inspecting(v)
        return KeyOutcome(s)
    }
}

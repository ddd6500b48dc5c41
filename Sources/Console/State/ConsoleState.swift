import FleetCore

public enum ScreenID: Int, CaseIterable, Sendable {
    case overview = 1, nodes, pools, events, sources, audit, scheduler, alerts

    public var title: String {
        switch self {
        case .overview: return "Overview"
        case .nodes: return "Nodes"
        case .pools: return "Pools"
        case .events: return "Events"
        case .sources: return "Sources"
        case .audit: return "Audit"
        case .scheduler: return "Scheduler"
        case .alerts: return "Alerts"
        }
    }

    /// The screens whose table is the nodes (they share one filter, sort and selection).
    public var showsNodes: Bool { self == .overview || self == .nodes }
}

public enum NodeSortColumn: Int, CaseIterable, Sendable {
    case node, pool, state, gpu, kvCache, running, waiting, tokensPerSecond

    public var title: String {
        switch self {
        case .node: return "node"
        case .pool: return "pool"
        case .state: return "state"
        case .gpu: return "GPU%"
        case .kvCache: return "KV%"
        case .running: return "running"
        case .waiting: return "waiting"
        case .tokensPerSecond: return "tok/s"
        }
    }

    /// Names and pools read best A→Z; load figures worst-first.
    public var descendingByDefault: Bool { self != .node && self != .pool }
}

/// An action or a user command waiting for `y`, with what the dialog says about it.
public struct PendingAction: Equatable, Sendable {
    public enum Subject: Equatable, Sendable {
        case action(OperatorAction)
        /// Several at once (the marked nodes' drains), confirmed together.
        case actions([OperatorAction])
        case command(UserCommandRun)
    }

    public var subject: Subject
    public var plan: ActionPlan

    public init(_ action: OperatorAction, _ plan: ActionPlan) { subject = .action(action); self.plan = plan }
    public init(_ run: UserCommandRun, _ plan: ActionPlan) { subject = .command(run); self.plan = plan }
    public init(_ actions: [OperatorAction], _ plan: ActionPlan) { subject = .actions(actions); self.plan = plan }

    public var action: OperatorAction? {
        if case .action(let a) = subject { return a }
        return nil
    }

    /// The dialog's title: the verb and the target.
    var title: String {
        switch subject {
        case .action(let a): return "\(a.verb.rawValue) \(a.target)"
        case .actions(let all): return "\(all.first?.verb.rawValue ?? "") \(all.count) nodes"
        case .command(let r): return "\(r.command.name) \(r.target)"
        }
    }
}

/// What the keys are doing now: one mode at a time, each drawn over the screen it came from.
public enum ConsoleMode: Equatable, Sendable {
    /// Keys go through the keymap.
    case browsing
    /// `/`: keys edit the current table's filter (`ConsoleState.activeFilter`).
    case filtering
    /// `g` in a replay: the time being typed.
    case goingTo(String)
    /// `?`, scrolled this many lines down.
    case help(scroll: Int)
    /// `d`: the degrade menu, open for this pool.
    case degradeMenu(pool: String)
    /// The confirmation dialog: `y` runs the action.
    case confirming(PendingAction)
    /// `:`: a command being typed.
    case commandLine(CommandLineInput)
    /// `i`: a node's engine page, searched and scrolled.
    case inspecting(InspectionView)
}

/// The inspection view's own state: which node, what is searched, how far down.
public struct InspectionView: Equatable, Sendable {
    public var node: String
    /// Lines containing every word of it (case-insensitive) are shown.
    public var query = ""
    public var scroll = 0

    public init(node: String) { self.node = node }

    /// The lines the query keeps.
    public func shown(_ lines: [(section: String, text: String)]) -> [(section: String, text: String)] {
        let words = query.lowercased().split(separator: " ")
        guard !words.isEmpty else { return lines }
        return lines.filter { line in
            let text = line.text.lowercased()
            return words.allSatisfy { text.contains($0) }
        }
    }
}

/// What a key asks of the world outside the state: the render loop carries these out.
public enum ConsoleEffect: Equatable, Sendable {
    /// Ask the action layer for a plan, then open the confirmation dialog with it.
    case plan(OperatorAction)
    /// The same for several, in one dialog: refused if any one is.
    case planAll([OperatorAction])
    /// Confirmed with `y`: hand it to the action layer.
    case run(OperatorAction)
    /// The same for one of the operator's own commands.
    case planCommand(UserCommandRun)
    case runCommand(UserCommandRun)
    case replay(ReplayCommand)
    /// `:theme NAME`: load the theme and repaint with it.
    case theme(String)
    /// `Ctrl-S` or `:export [FILE]`: write the table (CSV, or JSON for a `.json` file) to FILE,
    /// or to a new file in the exports folder.
    case export(ExportTable, path: String?)
    /// `i`, or Enter in the inspection: fetch the node's engine page.
    case inspect(node: String)
    /// `:record FILE` (start), `:record stop`, `:record` (which file): the session's recorder.
    case record(String?)
    /// `:ctx NAME`: leave this fleet for another of the config's contexts.
    case switchContext(String)
    case quit
}

/// A line for the operator under the screen: what a command did, or why it could not.
public struct StatusMessage: Equatable, Sendable {
    public var text: String
    public var isError: Bool

    public init(_ text: String, isError: Bool = false) { self.text = text; self.isError = isError }
}

/// Everything the operator has chosen on screen. Pure data: key presses turn one state into
/// the next and a list of effects (`KeyHandler`); screens draw from it and a snapshot.
public struct ConsoleState: Equatable, Sendable {
    public var mode = ConsoleMode.browsing
    public var screen: ScreenID = .overview
    /// The node whose detail is open (Enter), nil for none.
    public var detailNodeID: String?
    /// Selection is by node id so it follows the node when sorting or filtering moves it.
    public var selectedNodeID: String?
    /// The Pools screen's selected row, by pool id.
    public var selectedPoolID: String?
    /// Nodes marked with Space: `D` drains them all.
    public var markedNodeIDs: Set<String> = []
    public var nodeScrollOffset = 0
    /// The node tables' filter (`NodeFilter` reads it).
    public var filter = ""
    /// Each other table's filter, by its screen (`TableRows` reads them).
    public var screenFilters: [ScreenID: String] = [:]
    /// The pool whose detail is open (Enter on the Pools screen, `:pool NAME`), nil for none.
    public var detailPoolID: String?
    public var sort = NodeSortColumn.node
    public var sortDescending = false
    /// A frozen picture while data keeps flowing underneath (`p`).
    public var frozen: FleetSnapshot?
    public var eventScrollBack = 0
    /// Node history graphs: the last 15 minutes by the second, or 24 hours by the minute (`z`).
    public var dayHistory = false
    /// Shown in the footer until the next key.
    public var message: StatusMessage?
    /// Commands run from the `:` line, oldest first.
    public var commandHistory: [String] = []
    /// The last action confirmed with `y`, for `u`.
    public var lastConfirmed: OperatorAction?

    public init() {}

    public var isFrozen: Bool { frozen != nil }

    public var place: Place { detailNodeID != nil ? .nodeDetail : detailPoolID != nil ? .poolDetail : .screen(screen) }

    /// The filter of the table on screen: the node tables' on the overview, the Nodes screen
    /// and a pool's detail (its nodes), each other screen's own elsewhere.
    public var activeFilter: String {
        get { filtersNodes ? filter : screenFilters[screen] ?? "" }
        set {
            if filtersNodes { filter = newValue } else { screenFilters[screen] = newValue.isEmpty ? nil : newValue }
        }
    }

    /// Whether the table on screen is the nodes' (the node screens, a pool's or node's detail).
    public var filtersNodes: Bool { screen.showsNodes || detailPoolID != nil || detailNodeID != nil }

    /// Closes any detail (node or pool): back to the screen.
    public mutating func closeDetail() {
        detailNodeID = nil
        detailPoolID = nil
    }

    /// The dialog's pending action, when the dialog is open.
    public var confirming: PendingAction? {
        if case .confirming(let p) = mode { return p }
        return nil
    }
}

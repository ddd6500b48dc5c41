import FleetCore

public enum ScreenID: Int, CaseIterable, Sendable {
    case overview = 1, nodes, pools, events, sources, audit, scheduler

    public var title: String {
        switch self {
        case .overview: return "Overview"
        case .nodes: return "Nodes"
        case .pools: return "Pools"
        case .events: return "Events"
        case .sources: return "Sources"
        case .audit: return "Audit"
        case .scheduler: return "Scheduler"
        }
    }
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

/// An action waiting for `y`, with what the dialog says about it.
public struct PendingAction: Equatable, Sendable {
    public var action: OperatorAction
    public var plan: ActionPlan

    public init(_ action: OperatorAction, _ plan: ActionPlan) { self.action = action; self.plan = plan }
}

/// Everything the operator has chosen on screen. Pure data: key presses turn one state into
/// the next (`KeyHandler`), screens draw from it and a snapshot.
public struct ConsoleState: Equatable, Sendable {

    public var screen: ScreenID = .overview
    /// The node whose detail is open (Enter), nil for none.
    public var detailNodeID: String?
    /// Selection is by node id so it follows the node when sorting or filtering moves it.
    public var selectedNodeID: String?
    public var nodeScrollOffset = 0
    public var filter = ""
    public var editingFilter = false
    public var sort = NodeSortColumn.node
    public var sortDescending = false
    /// A frozen picture while data keeps flowing underneath (`p`).
    public var frozen: FleetSnapshot?
    public var showHelp = false
    public var eventScrollBack = 0
    /// Node history graphs: the last 15 minutes by the second, or 24 hours by the minute (`z`).
    public var dayHistory = false
    /// A transport command for the replay driver, taken by the render loop.
    public var replayCommand: ReplayCommand?
    /// `g` in a replay: the time being typed.
    public var editingGoto = false
    public var gotoText = ""
    /// Digits typed before `+`/`-` (vim's count); the screen a digit switched away from.
    public var countPrefix: Int?
    public var screenBeforeCount: ScreenID?
    /// `d`: the degrade menu, open for this pool.
    public var degradeMenuPool: String?
    /// An action a key asked for; the render loop turns it into a plan for the dialog.
    public var requestedAction: OperatorAction?
    /// The confirmation dialog on screen.
    public var confirming: PendingAction?
    /// Confirmed with `y`; the render loop hands it to the action layer.
    public var confirmedAction: OperatorAction?
    public var quit = false

    public init() {}

    public var isFrozen: Bool { frozen != nil }
}

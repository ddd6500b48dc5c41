import FleetCore

/// One frame: the canvas, and the node table's scroll offset to keep for the next frame.
public struct RenderedFrame: Sendable {
    public var canvas: Canvas
    public var nodeScrollOffset: Int
}

/// Draws the whole console for a snapshot and a state. Pure: the same inputs give the same
/// cells, which is what the golden and snapshot tests rely on.
public enum ScreenRenderer {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public static func render(snapshot live: FleetSnapshot?, state: ConsoleState, width: Int, height: Int,
                              glyphs: Glyphs, audit: [AuditEntry] = [], advice: FleetAdvice? = nil,
                              keymap: Keymap = .standard, userCommands: [UserCommand] = [],
                              inspection: NodeInspection? = nil, context: ContextBadge? = nil,
                              advisorOff: Bool = false, recordingTo: String? = nil) -> RenderedFrame {
        var canvas = Canvas(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            TooSmallScreen.draw(&canvas, width: width, height: height)
            return RenderedFrame(canvas: canvas, nodeScrollOffset: state.nodeScrollOffset)
        }
        guard let snapshot = state.frozen ?? live else {
            canvas.put("fleetdeck: waiting for the first snapshot...", x: 2, y: height / 2, role: .dim)
            return RenderedFrame(canvas: canvas, nodeScrollOffset: 0)
        }
        let ctx = ScreenContext(snapshot: snapshot, live: live ?? snapshot, state: state, glyphs: glyphs, audit: audit,
                                advice: snapshot.replay == nil ? advice : nil, keymap: keymap,
                                userCommands: userCommands, context: context, advisorOff: advisorOff, recordingTo: recordingTo)
        StatusBars.drawHeader(&canvas, ctx)
        let body: Rect
        if let replay = snapshot.replay {
            ReplayBar.draw(&canvas, ctx, replay)
            body = Rect(x: 0, y: 1, width: width, height: height - 3)
        } else {
            StatusBars.drawFooter(&canvas, ctx)
            body = Rect(x: 0, y: 1, width: width, height: height - 2)
        }
        var offset = state.nodeScrollOffset
        if case .inspecting(let view) = state.mode {
            NodeInspectionScreen.draw(&canvas, body, view: view, inspection: inspection?.node == view.node ? inspection : nil, ctx: ctx)
        } else if let id = state.detailNodeID, let node = snapshot.nodes.first(where: { $0.id == id }) {
            NodeDetailScreen.draw(&canvas, body, node: node, ctx: ctx)
        } else if let id = state.detailPoolID, let pool = snapshot.pool(id) {
            PoolDetailScreen.draw(&canvas, body, pool: pool, ctx: ctx)
        } else {
            switch state.screen {
            case .overview: offset = OverviewScreen.draw(&canvas, body, ctx: ctx)
            case .nodes: offset = NodesScreen.draw(&canvas, body, ctx: ctx)
            case .pools: PoolsScreen.draw(&canvas, body, ctx: ctx)
            case .events: EventsScreen.draw(&canvas, body, ctx: ctx)
            case .sources: SourcesScreen.draw(&canvas, body, ctx: ctx)
            case .audit: AuditScreen.draw(&canvas, body, ctx: ctx)
            case .scheduler: SchedulerScreen.draw(&canvas, body, ctx: ctx)
            case .alerts: AlertsScreen.draw(&canvas, body, ctx: ctx)
            }
        }
        switch state.mode {
        case .help(let scroll): HelpOverlay.draw(&canvas, ctx: ctx, scroll: scroll)
        case .degradeMenu(let pool): ActionDialogs.drawDegradeMenu(&canvas, ctx: ctx, pool: pool)
        case .confirming(let pending): ActionDialogs.drawConfirmation(&canvas, ctx: ctx, pending: pending)
        case .commandLine(let input): StatusBars.drawCommandLine(&canvas, ctx, input)
        case .browsing, .filtering, .goingTo, .inspecting: break
        }
        if let message = state.message { StatusBars.drawMessage(&canvas, message) }
        return RenderedFrame(canvas: canvas, nodeScrollOffset: offset)
    }
}

/// What every screen needs to draw.
struct ScreenContext {
    let snapshot: FleetSnapshot
    let live: FleetSnapshot
    let state: ConsoleState
    let glyphs: Glyphs
    var audit: [AuditEntry] = []
    /// The advisor's last round; nil without an advisor (or in a replay).
    var advice: FleetAdvice?
    var keymap = Keymap.standard
    var userCommands: [UserCommand] = []
    var context: ContextBadge?
    /// Started without an advisor (`--no-advisor`): no round will come.
    var advisorOff = false
    /// The file being recorded to, if any (`--record`, `:record`).
    var recordingTo: String?

    var startTimeOfDay: Double { snapshot.timeOfDay - snapshot.time }
}

enum TooSmallScreen {
    static func draw(_ canvas: inout Canvas, width: Int, height: Int) {
        let lines = ["terminal too small: \(width)x\(height)",
                     "fleetdeck needs at least \(ScreenRenderer.minimumWidth)x\(ScreenRenderer.minimumHeight)",
                     "(enlarge the window, or q to quit)"]
        for (i, l) in lines.enumerated() {
            let y = height / 2 - 1 + i
            let w = TerminalText.width(l)
            canvas.put(l, x: max(0, (width - w) / 2), y: y, role: i == 0 ? .crit : .normal)
        }
    }
}

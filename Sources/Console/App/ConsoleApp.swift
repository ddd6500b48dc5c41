import FleetCore

/// The render loop: one thread owns the terminal; it reads the newest snapshot, turns keys
/// into state, and redraws only when something changed. It never waits on a source.
public final class ConsoleApp {
    private let store: SnapshotStore
    private let glyphs: Glyphs
    private let replay: (any ReplayControl)?
    private let actions: (any ActionControl)?
    private let advisor: (any AdvisorFeed)?
    /// How long to wait for a key before looking for a new snapshot.
    public var pollMilliseconds: Int32 = 200

    public init(store: SnapshotStore, glyphs: Glyphs, replay: (any ReplayControl)? = nil, actions: (any ActionControl)? = nil,
                advisor: (any AdvisorFeed)? = nil) {
        self.store = store
        self.glyphs = glyphs
        self.replay = replay
        self.actions = actions
        self.advisor = advisor
    }

    /// What the dialog says for an action: the action layer's plan, or why there is none.
    static func plan(_ action: OperatorAction, snapshot: FleetSnapshot?, actions: (any ActionControl)?) -> ActionPlan {
        let what = "\(action.verb.rawValue) \(action.target)"
        if snapshot?.replay != nil {
            return ActionPlan(description: what, actuator: "", refusal: "actions are disabled during a replay")
        }
        guard let actions, let snapshot else {
            return ActionPlan(description: what, actuator: "",
                              refusal: "no actuator: actions act on the embedded fleet (demo); actuators for watched fleets come from the config")
        }
        return actions.plan(action, snapshot: snapshot)
    }

    public func run(on terminal: TerminalBackend) {
        var state = ConsoleState()
        var shownVersion = -1
        var dirty = true
        var shownAdviceTime: Double?
        while !state.quit && !terminal.stopRequested {
            let (version, snapshot) = store.latest()
            let advice = advisor?.latestAdvice()
            if advice?.time != shownAdviceTime {
                shownAdviceTime = advice?.time
                dirty = true
            }
            if version != shownVersion {
                shownVersion = version
                dirty = true
            }
            if dirty {
                if state.selectedNodeID == nil, let shown = state.frozen ?? snapshot,
                   let first = NodeList.rows(shown, state: state).first {
                    state.selectedNodeID = first.id
                }
                let (w, h) = terminal.size
                let frame = ScreenRenderer.render(snapshot: snapshot, state: state, width: w, height: h, glyphs: glyphs,
                                                  audit: state.screen == .audit ? actions?.recentAudit() ?? [] : [], advice: advice)
                state.nodeScrollOffset = frame.nodeScrollOffset
                terminal.present(frame.canvas)
                dirty = false
            }
            guard let key = terminal.readKey(timeoutMilliseconds: pollMilliseconds) else { continue }
            if key != .resize { state = KeyHandler.handle(key, state, snapshot: snapshot, advice: advice) }
            if let command = state.replayCommand {
                replay?.send(command)
                state.replayCommand = nil
            }
            if let action = state.requestedAction {
                state.requestedAction = nil
                state.confirming = PendingAction(action, Self.plan(action, snapshot: snapshot, actions: actions))
            }
            if let action = state.confirmedAction {
                state.confirmedAction = nil
                actions?.run(action)
                advisor?.acknowledge(action)
            }
            dirty = true
        }
    }
}

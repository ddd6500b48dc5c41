import FleetCore

/// The render loop: one thread owns the terminal; it reads the newest snapshot, turns keys
/// into state, and redraws only when something changed. It never waits on a source.
public final class ConsoleApp {
    private let store: SnapshotStore
    private let glyphs: Glyphs
    private let replay: (any ReplayControl)?
    /// How long to wait for a key before looking for a new snapshot.
    public var pollMilliseconds: Int32 = 200

    public init(store: SnapshotStore, glyphs: Glyphs, replay: (any ReplayControl)? = nil) {
        self.store = store
        self.glyphs = glyphs
        self.replay = replay
    }

    public func run(on terminal: TerminalBackend) {
        var state = ConsoleState()
        var shownVersion = -1
        var dirty = true
        while !state.quit && !terminal.stopRequested {
            let (version, snapshot) = store.latest()
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
                let frame = ScreenRenderer.render(snapshot: snapshot, state: state, width: w, height: h, glyphs: glyphs)
                state.nodeScrollOffset = frame.nodeScrollOffset
                terminal.present(frame.canvas)
                dirty = false
            }
            guard let key = terminal.readKey(timeoutMilliseconds: pollMilliseconds) else { continue }
            if key != .resize { state = KeyHandler.handle(key, state, snapshot: snapshot) }
            if let command = state.replayCommand {
                replay?.send(command)
                state.replayCommand = nil
            }
            dirty = true
        }
    }
}

import Console
import FleetCore
import LocalNode
import Recording
import Scheduler
import Telemetry

/// One console run, wired once for `demo`, `watch` and `replay`: the store every part reads
/// (with the recorder and the local node on it, and the one notes channel for action outcomes
/// and the advisor), the source that publishes into it, the action layer, the advisor, and the
/// terminal the render loop owns.
final class ConsoleSession {
    let store: SnapshotStore
    private let sink: RecordingSink?
    private let localNode: LocalNodeRuntime?
    private let theme: Theme
    private let glyphs: Glyphs
    private let settings: ConsoleSettings
    private let mouse: Bool

    /// Reads the theme, the keys and the view `view` names (`demo:bank`, `watch:PATH`; the key
    /// of `views.json`), starts the local node when the config or the options ask for one, and
    /// opens the recording when `--record` names a file.
    init(display: DisplayOptions, config: UserConfig, recording: RecordOptions? = nil, local: LocalNodeOptions? = nil,
         scenario: String? = nil, view: String, context: FleetContext? = nil) throws {
        MemoryPolicy.forLongRunningProcess()
        (theme, glyphs) = try display.resolve(config)
        var settings = try display.consoleSettings(config)
        let views = RememberedViews(key: view)
        (settings.remembered, settings.openingMessage) = views.load()
        settings.remember = { views.save($0) }
        settings.context = context?.badge
        // Only `watch` switches fleets (it runs the next context's session); elsewhere `:ctx` has none.
        settings.contexts = context == nil ? [] : config.contexts.map(\.name)
        // A recording is one fleet's: switching would end it.
        if let file = recording?.record { settings.contextsLocked = "recording to \(file): quit, then watch --context NAME" }
        self.settings = settings
        mouse = !display.noMouse && config.mouse != false
        localNode = try local?.start(config, scenario: scenario)
        do {
            (store, sink) = try recording?.makeStore(local: localNode) ?? (SnapshotStore(), nil)
        } catch {
            localNode?.stop()
            throw error
        }
    }

    /// Runs `source` on a task of its own and the console on this thread until the operator
    /// quits; then stops the advisor and the source.
    @discardableResult
    func run(source: any FleetSource, actions: (any ActionControl)? = nil, advisor: AdvisorLoop? = nil,
             replay: (any ReplayControl)? = nil) throws -> ConsoleExit {
        let terminal = try NcursesTerminal(theme: theme, mouse: mouse)
        defer { terminal.restore() }
        let task = Task.detached { await source.run() }
        advisor?.start()
        // A scrape of real servers can open a node down to its page (`i`); other sources say why not.
        let inspector = (source as? ScrapeLoop)?.inspector
        let exit = ConsoleApp(store: store, glyphs: terminal.supportsUnicode ? glyphs : .ascii, replay: replay, actions: actions,
                              advisor: advisor, inspector: inspector, settings: settings)
            .run(on: terminal)
        advisor?.stop()
        source.stop()
        task.cancel()
        return exit
    }

    /// Closes the recording (notes that came after the source's last tick included) and stops
    /// the local node.
    func close() {
        RecordOptions.finish(sink, finalEvents: store.latest().snapshot?.events)
        localNode?.stop()
    }
}

import Actions
import AsyncHTTPClient
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
    /// The client the alert webhook posts with, shut down at `close`.
    private let webhookClient: HTTPClient?

    /// Reads the theme, the keys and the view `view` names (`demo:bank`, `watch:PATH`; the key
    /// of `views.json`), starts the local node when the config or the options ask for one, and
    /// opens the recording when `--record` names a file.
    /// `alerts` are the fleet's (nil for a replay, whose recording holds its alerts); the
    /// webhook's deliveries are audited in `auditLog` (the default log when nil).
    init(display: DisplayOptions, config: UserConfig, recording: RecordOptions? = nil, local: LocalNodeOptions? = nil,
         scenario: String? = nil, view: String, context: FleetContext? = nil, alerts: AlertSettings? = nil,
         auditLog: String? = nil) throws {
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
        mouse = !display.noMouse && config.mouse != false
        settings.bell = alerts?.bell == true
        self.settings = settings
        localNode = try local?.start(config, scenario: scenario)
        let engine = alerts.map { AlertEngine(settings: $0) }
        do {
            (store, sink) = try recording?.makeStore(local: localNode, alerts: engine)
                ?? (SnapshotStore(transform: RecordOptions.transform(local: localNode, alerts: engine)), nil)
            webhookClient = try alerts?.webhook.map { _ in try TelemetryHTTPClient.make(tls: nil, followRedirects: false) }
        } catch {
            localNode?.stop()
            throw error
        }
        if let engine, let hook = alerts?.webhook, let webhookClient {
            let store = self.store
            let webhook = AlertWebhook(settings: hook, client: webhookClient, audit: try? AuditLog(path: auditLog ?? AuditLog.defaultPath)) {
                [weak store] in store?.note($0, $1)
            }
            engine.deliver { webhook.deliver($0) }
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
        try? webhookClient?.syncShutdown()
    }
}

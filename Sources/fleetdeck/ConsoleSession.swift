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
    /// The recorder: `--record FILE` at start, `:record FILE` and `:record stop` later.
    private let recorder = RecordingSwitch()
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
        mouse = !display.noMouse && config.mouse != false
        settings.bell = alerts?.bell == true
        localNode = try local?.start(config, scenario: scenario)
        let engine = alerts.map { AlertEngine(settings: $0) }
        let recorder = self.recorder
        store = SnapshotStore(transform: RecordOptions.transform(local: localNode, alerts: engine), onPublish: { recorder.record($0) })
        do {
            if let first = try recording?.makeSink() { Self.startRecording(first, recorder, store) }
            webhookClient = try alerts?.webhook.map { _ in try TelemetryHTTPClient.make(tls: nil, followRedirects: false) }
        } catch {
            localNode?.stop()
            throw error
        }
        // A live fleet (not a replay, which is a recording already) can be recorded from the
        // console, to a file of the operator's naming, and stopped.
        if let recording {
            let store = self.store
            settings.recording = RecordingCommands(
                start: { path in
                    if let open = recorder.current { throw UserError("already recording to \(open.path): :record stop first") }
                    let sink: RecordingSink
                    do { sink = try RecordingSink(path: path, keyframeInterval: recording.keyframeInterval) } catch {
                        throw UserError("\(error)")
                    }
                    guard Self.startRecording(sink, recorder, store) else {
                        sink.close()
                        throw UserError("already recording to \(recorder.current?.path ?? "a file"): :record stop first")
                    }
                    return sink.path
                },
                stop: {
                    recorder.stop(finalEvents: store.latest().snapshot?.events).map { "\($0.ticks) ticks recorded to \($0.path)" }
                },
                current: { recorder.current?.path })
        }
        self.settings = settings
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

    /// Records into `sink` from the next tick, a failure (a full disk) said in the events log.
    @discardableResult
    private static func startRecording(_ sink: RecordingSink, _ recorder: RecordingSwitch, _ store: SnapshotStore) -> Bool {
        sink.onFailure = { [weak store] reason in
            store?.note(.critical, "recording to \(TerminalText.sanitized(sink.path)) stopped: \(reason); the console carries on")
        }
        return recorder.start(sink)
    }

    /// Closes the recording (notes that came after the source's last tick included) and stops
    /// the local node.
    func close() {
        RecordOptions.report(recorder.stop(finalEvents: store.latest().snapshot?.events))
        localNode?.stop()
        try? webhookClient?.syncShutdown()
    }
}

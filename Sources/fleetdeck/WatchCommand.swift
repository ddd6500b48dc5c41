import MetricsFormats
import Actions
import ArgumentParser
import AsyncHTTPClient
import Console
import FleetCore
import Recording
import Scheduler
import Foundation
import Telemetry

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch real inference servers: scrape their /metrics and show the same screens.",
        discussion: """
            The targets come from the config file (--config, or $XDG_CONFIG_HOME/fleetdeck/config.yaml):

              scrape: {interval_ms: 1000, timeout_ms: 2000}
              targets:
                - {url: "http://10.0.0.7:8000/metrics", node: vllm-0, pool: chat}
                - {url: "https://10.0.0.8:8000/metrics", bearer_token_file: /etc/fleetdeck/token}
              tls: {ca_file: /etc/fleetdeck/ca.pem}
              redis:
                - {address: "10.0.0.20:6379", pool: chat, username: fleetdeck, password_file: /etc/fleetdeck/redis}
              pools:
                - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 2000}], gpu_hour_price: 2.5}

            Credentials come from files or environment variables (bearer_token_env, password_env), never
            from the config text or the command line.

            Exporters that are not Prometheus-shaped can write fleetdeck's NDJSON (Docs/ndjson-format.md) to a
            file, to a loopback port, or into a pipe (producer | fleetdeck watch --stdin):

              streams: {files: ["/var/log/llm/fleet.ndjson"], listen_port: 7070}

            For large fleets, ask a Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics)
            instead of scraping every server:

              prometheus: {url: "http://prometheus:9090", node_label: instance, pool_label: job}
              pools:
                - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 2000}]}

            Actions (+ - d D b, confirmed with y, audited) act on a pool through the actuator its config names:

              actions:
                pools:
                  chat: {actuator: exec, argv: [kubectl, scale, "deployment/{deployment}", "--replicas={replicas}"], vars: {deployment: vllm-chat}}

            The stack (vLLM, SGLang, TGI, llama.cpp, Triton, LiteLLM, dcgm-exporter) is detected from the
            metric names. A target that misses scrapes turns stale, then down, with the reason on screen.
            """)

    @OptionGroup var display: DisplayOptions
    @OptionGroup var recording: RecordOptions
    @OptionGroup var acting: ActionOptions
    @OptionGroup var local: LocalNodeOptions

    @Flag(name: .long, help: "Read fleetdeck NDJSON (Docs/ndjson-format.md) piped into standard input: producer | fleetdeck watch --stdin.")
    var stdin = false

    func run() throws {
        let cfg = try UserConfig.load(explicit: display.config)
        let w = cfg.watch
        guard !w.targets.isEmpty || w.prometheus != nil || !w.streamFiles.isEmpty || w.streamPort != nil || stdin else {
            throw UserError("nothing to watch: add a targets: list to \(cfg.path ?? UserConfig.defaultPath) (see fleetdeck watch --help)")
        }
        let (theme, glyphs) = try display.resolve(cfg)
        let client = try TelemetryHTTPClient.make(tls: w.tls)
        defer { try? client.syncShutdown() }
        let notes = EventNotes()
        let localNode = try local.start(cfg, scenario: nil)
        defer { localNode?.stop() }
        let (store, sink) = try recording.makeStore(notes: notes, local: localNode)
        // Action outcomes noted after the source's last tick still go into the recording.
        defer { RecordOptions.finish(sink, finalEvents: store.latest().snapshot.map { notes.merged(into: $0).events }) }
        let source = try WatchSource.make(w, client: client, store: store, stdin: stdin)
        let terminal = try NcursesTerminal(theme: theme)
        defer { terminal.restore() }
        let executor = try makeExecutor(cfg, client: client, store: store, notes: notes)
        let task = Task.detached { await source.run() }
        // A watched fleet has no simulator to fork: the advisor forecasts its load only.
        let advisor = AdvisorLoop(advisor: Advisor(), store: store, driver: nil)
        advisor.start()
        ConsoleApp(store: store, glyphs: terminal.supportsUnicode ? glyphs : .ascii, actions: executor, notes: notes, advisor: advisor)
            .run(on: terminal)
        advisor.stop()
        source.stop()
        task.cancel()
    }
}

extension WatchCommand {
    /// The action layer for a watched fleet: each pool's actuator from `actions:` in the
    /// config; nil (the keys say there is no actuator) when the config names none.
    func makeExecutor(_ cfg: UserConfig, client: HTTPClient, store: SnapshotStore, notes: EventNotes) throws -> ActionExecutor? {
        guard let actions = cfg.actions, !actions.pools.isEmpty else { return nil }
        let nodes = Set(cfg.watch.targets.map(\.node))
        var actuators: [String: any Actuator] = [:]
        for (pool, p) in actions.pools {
            switch p.actuator {
            case let .exec(argv, vars):
                actuators[pool] = ExecActuator(argv: argv, vars: vars, timeout: p.timeout, configuredNodes: nodes) { store.latest().snapshot?.pool($0)?.nodes }
            case let .http(url, authorization):
                actuators[pool] = HTTPActuator(url: url, authorization: authorization, timeout: p.timeout, client: client)
            }
        }
        let routed = PoolRoutedActuator(actuators: actuators) { node in store.latest().snapshot?.nodes.first { $0.id == node }?.pool }
        var options = acting
        options.cooldown = actions.cooldown
        return try options.makeExecutor(actuator: routed, limits: actions.pools.mapValues { $0.minReplicas...$0.maxReplicas }) { severity, message in
            notes.add(FleetEvent(time: store.latest().snapshot?.time ?? 0, severity: severity, kind: .action, message: message))
        }
    }
}

/// The source a watch config describes (streams, a query API, or scrape targets with Redis),
/// publishing into `store`: shared by `watch` and headless `record --config`.
struct WatchSource: Sendable {
    let run: @Sendable () async -> Void
    let stop: @Sendable () -> Void

    static func make(_ w: WatchConfig, client: HTTPClient, store: SnapshotStore, stdin: Bool) throws -> WatchSource {
        let clock = WallClock()
        if stdin && (!w.targets.isEmpty || w.prometheus != nil) {
            throw UserError("--stdin is a stream source; the config also names scrape targets or a Prometheus (one kind of source at a time)")
        }
        if !w.streamFiles.isEmpty || w.streamPort != nil || stdin {
            let piped: PipedInput?
            do { piped = stdin ? try PipedInput.takeStandardInput() : nil } catch { throw UserError("\(error)") }
            let name = ((stdin ? ["stdin"] : []) + w.streamFiles + (w.streamPort.map { ["tcp:\($0)"] } ?? [])).joined(separator: ", ")
            let aggregator = StreamAggregator(name: name, pools: w.pools, startTime: clock.now, interval: w.interval)
            let loop: StreamLoop
            do {
                loop = try StreamLoop(aggregator: aggregator, files: w.streamFiles, listenPort: w.streamPort, piped: piped, store: store,
                                      interval: w.interval, clock: clock)
            } catch { throw UserError("\(error)") }
            return WatchSource(run: { await loop.run() }, stop: { loop.stop() })
        }
        if let prom = w.prometheus {
            // A query API was given: it does the collecting, fleetdeck asks.
            let source = PrometheusQuerySource(config: prom, client: client, timeout: w.timeout)
            let aggregator = QueryAggregator(name: "prometheus", address: prom.url, pools: w.pools,
                                             apiBaseline: w.apiBaseline, startTime: clock.now)
            let loop = QueryLoop(source: source, aggregator: aggregator, store: store, interval: w.interval, clock: clock)
            return WatchSource(run: { await loop.run() }, stop: { loop.stop() })
        }
        let aggregator = FleetAggregator(config: w, name: "watch", startTime: clock.now)
        let scraper = MetricsScraper(client: client, timeout: w.timeout)
        let loop = ScrapeLoop(aggregator: aggregator, scraper: scraper, store: store, clock: clock)
        return WatchSource(run: { await loop.run() }, stop: { loop.stop() })
    }
}

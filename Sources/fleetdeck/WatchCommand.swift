import Actions
import ArgumentParser
import AsyncHTTPClient
import Console
import FleetCore
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
                - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 2000}], node_hour_price: 2.5}
                - {id: smol, slo: [{metric: tpot, percentile: mean, target_ms: 40}, {metric: error_rate, target_percent: 1}]}

            An objective names ttft, e2e, tpot (or itl), queue_time with a percentile (50, 90, 95, 99) or
            mean, or error_rate with target_percent. llama.cpp exports only sums for TPOT: judge its mean.

            Credentials come from files or environment variables (bearer_token_env, password_env), never
            from the config text or the command line.

            Targets can also come from Prometheus' service discovery (JSON or YAML target groups; files are
            re-read when they change; a bad document keeps the last good set; Docs/telemetry.md):

              scrape:
                file_sd_configs: [{files: ["/etc/fleet/targets/*.json"], refresh_interval: 5m}]
                http_sd_configs: [{url: "http://sd.internal:9400/targets", refresh_interval: 60s}]
                pool_label: pool
                node_label: instance

            Exporters that are not Prometheus-shaped can write fleetdeck's NDJSON (Docs/ndjson-format.md) to a
            file, to a loopback port, or into a pipe (producer | fleetdeck watch --stdin):

              streams: {files: ["/var/log/llm/fleet.ndjson"], listen_port: 7070}

            For large fleets, ask a Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics)
            instead of scraping every server:

              prometheus: {url: "http://prometheus:9090", node_label: instance, pool_label: job}
              pools:
                - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 2000}]}

            Several fleets, each its own watch config, as contexts (the header names the one shown, in its
            colour; a name with "prod" in it is red; :ctx NAME switches; --context NAME opens on one):

              contexts:
                - {name: prod, config: prod.yaml, read_only: true}
                - {name: staging, config: staging.yaml, colour: yellow}
              context: staging

            Actions (+ - d D b, confirmed with y, audited) act on a pool through the actuator its config names:

              actions:
                pools:
                  chat: {actuator: exec, argv: [kubectl, scale, "deployment/{deployment}", "--replicas={replicas}"], vars: {deployment: vllm-chat}}

            The scheduler screen's what-ifs run on the fleet's twin, fitted to its telemetry each round
            (Docs/twin.md). Tell it what the engines do not export, per pool (llama.cpp counts no requests:
            its arrivals are inferred from generated tokens over the output length):

              twin:
                pools:
                  smol: {output_tokens: 32, slots: 2, cold_start_s: 5}
                  chat: {prompt_tokens: {median: 600, sigma: 0.5}, engine: engines/vllm-chat.yaml}
                  # the step's shape: a node profile, or a model on a GPU (without gpu:, dcgm-exporter's)
                  rag: {profile: profiles/h100-sxm.json, profile_model: llama-3-8b}
                  code: {model: {name: qwen-32b, params_b: 32, quantization: fp8, layers: 64, kv_heads: 8, head_dim: 128}, gpu: H100-SXM, gpus_per_node: 2}

            Alerts: rules over each pool's signals, and burn-rate alerts on every SLO's error budget (the SRE
            workbook's 1 h/5 min, 6 h/30 min and 3 d/6 h windows), on the Alerts screen (8), in the header,
            the recording and a webhook in Alertmanager's shape (Docs/alerts.md):

              alerts:
                bell: true
                webhook: {url: "http://alerts.internal:9093/hook", bearer_token_file: /etc/fleetdeck/hook}
                rules:
                  - {name: queue-building, expr: "waiting_per_node > 8", for: 2m, severity: page}
                  - {name: slow-tokens, expr: "tpot_p95 > 80ms", for: 5m, severity: ticket, pools: [chat]}

            A busy pool is played as a slice of itself, each simulated node at a real node's load.
            llama.cpp's /slots page is read every tenth scrape for its slots and context.

            The stack (vLLM, SGLang, TGI, llama.cpp, Triton, LiteLLM, dcgm-exporter) is detected from the
            metric names. A target that misses scrapes turns stale, then down, with the reason on screen.
            """)

    @OptionGroup var display: DisplayOptions
    @OptionGroup var recording: RecordOptions
    @OptionGroup var acting: ActionOptions
    @OptionGroup var local: LocalNodeOptions

    @Flag(name: .long, help: "Read fleetdeck NDJSON (Docs/ndjson-format.md) piped into standard input: producer | fleetdeck watch --stdin.")
    var stdin = false

    @Flag(name: .long, help: "Run without the advisor and the fleet's twin (no forecasts, what-ifs or predictions).")
    var noAdvisor = false

    @Option(name: .long, help: "Open on this fleet of the config's contexts: (default: its context: key, else the first); :ctx NAME switches.")
    var context: String?

    func run() throws {
        // Before the HTTP client's threads take arenas of their own.
        MemoryPolicy.forLongRunningProcess()
        let main = try UserConfig.load(explicit: display.config)
        if main.contexts.isEmpty {
            if let context { throw UserError("--context \(context): the config names no contexts: (see fleetdeck watch --help)") }
            try watch(main, fleet: main, context: nil)
            return
        }
        var name = context ?? main.defaultContext ?? main.contexts[0].name
        // `:ctx NAME` ends one fleet's console and opens the next, until the operator quits.
        while true {
            guard let chosen = main.contexts.first(where: { $0.name == name }) else {
                throw UserError("no context named '\(name)': \(main.contexts.map(\.name).joined(separator: ", "))")
            }
            let fleet: UserConfig
            do { fleet = try UserConfig.load(explicit: chosen.config) } catch let e as UserError {
                throw UserError("context \(chosen.name): \(e.description)")
            }
            guard case .switchContext(let next) = try watch(main, fleet: fleet, context: chosen) else { return }
            name = next
        }
    }

    /// One fleet's console: `fleet` says what to watch and act on, `main` how the console
    /// looks and answers (theme, keys, aliases, commands).
    @discardableResult
    func watch(_ main: UserConfig, fleet cfg: UserConfig, context: FleetContext?) throws -> ConsoleExit {
        let w = cfg.watch
        guard w.hasSource || stdin else {
            throw UserError("nothing to watch: add a targets: list (or file_sd_configs / http_sd_configs under scrape:) to \(cfg.path ?? UserConfig.defaultPath) (see fleetdeck watch --help)")
        }
        let client = try TelemetryHTTPClient.make(tls: w.tls)
        defer { try? client.syncShutdown() }
        let session = try ConsoleSession(display: display, config: main, recording: recording, local: local,
                                         view: "watch:" + (cfg.path.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "stdin"),
                                         context: context, alerts: cfg.watch.alerts, auditLog: acting.auditLog)
        defer { session.close() }
        let source: any FleetSource
        do { source = try WatchSources.make(w, client: client, store: session.store, stdin: stdin) } catch { throw UserError("\(error)") }
        // Actions get a client of their own that follows no redirect (HTTPActuator).
        let actionClient = try TelemetryHTTPClient.make(tls: w.tls, followRedirects: false)
        defer { try? actionClient.syncShutdown() }
        let executor = try makeExecutor(cfg, client: actionClient, store: session.store, readOnly: context?.readOnly == true)
        // The advisor forks the fleet's twin, refitted to its telemetry each round.
        let advisor = noAdvisor ? nil : AdvisorLoop(advisor: Advisor(settings: .watched), store: session.store, driver: nil,
                                                                  twin: FleetTwin(settings: cfg.twin))
        return try session.run(source: source, actions: executor, advisor: advisor)
    }
}

extension WatchCommand {
    /// The action layer for a watched fleet: each pool's actuator from `actions:` in the
    /// config; nil (the keys say there is no actuator) when the config names none.
    func makeExecutor(_ cfg: UserConfig, client: HTTPClient, store: SnapshotStore, readOnly: Bool = false) throws -> ActionExecutor? {
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
        options.readOnly = options.readOnly || readOnly
        return try options.makeExecutor(actuator: routed, limits: actions.pools.mapValues { $0.minReplicas...$0.maxReplicas }) {
            store.note($0, $1)
        }
    }
}

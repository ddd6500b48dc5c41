import ArgumentParser
import FleetCore
import Foundation
import Scheduler
import SimulatorServer

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the embedded simulator headless: a scenario's report, a trace's replay, or served vLLM /metrics.",
        discussion: """
            Three ways to run it:

            A scenario, headless, for a summary per pool (Docs/scheduler-model.md):
              fleetdeck simulate --scenario content --duration 1h [--seed N] [--json]
            prints requests, throughput, TTFT/TPOT/end-to-end p50/p95/p99, queue peak, cache hit rates,
            cost and SLO attainment for every pool. --duration is simulated time (90s, 30m, 1h, or seconds).

            One node's trace, replayed on an engine model:
              fleetdeck simulate --trace FILE --profile FILE [--engine FILE] [--model NAME] [--format F] [--json]
            replays the arrivals of a trace on the node a profile describes, with the engine's scheduler
            settings, and prints TTFT, TPOT and end-to-end p50/p95/p99 (JSON keys ttft_s, tpot_s, e2e_s);
            when the trace was measured (first_token_s, finish_s) the measured percentiles and the error
            come too. --profile and --engine take a path, or a name from sample-data/profiles and
            sample-data/engines. Formats (--format, else told by the first line): fleetdeck (JSON lines:
            arrival_s, prompt_tokens, output_tokens), azure (CSV TIMESTAMP,ContextTokens,GeneratedTokens),
            mooncake (JSON lines: timestamp ms, input_length, output_length, hash_ids), burstgpt (CSV
            Timestamp,...,Request tokens,Response tokens,...). Mooncake's hash_ids drive the prefix cache
            block by block.

            A trace over a pool of nodes:
              fleetdeck simulate --trace FILE --pool 16xh100-sxm [--engine E] [--router least_loaded]
                  [--slo ttft_p95=2s --slo e2e_p99=60s] [--speedup 2] [--duration 1h] [--json]
            streams the trace (any size, in arrival order) through the router onto N nodes of the profile
            (--pool N with --profile, or N x PROFILE), and prints the pool's report as a scenario's: TTFT,
            TPOT and end-to-end percentiles, queue peak, prefix-cache hit rate, cost, SLO attainment.
            --speedup 2 plays the trace at twice its rate. It runs until the trace ends and the pool
            drains, or for --duration of simulated time.

            A scenario's nodes as vLLM /metrics endpoints:
              fleetdeck simulate --scenario bank --serve 127.0.0.1:9400 [--duration SECONDS]
            exposes every simulated node at http://HOST:PORT/nodes/NODE/metrics in vLLM's format, and a
            Prometheus HTTP service-discovery document at http://HOST:PORT/targets, so a real Prometheus
            (http_sd_configs) or `fleetdeck watch` can scrape a simulated fleet of any size. A node the
            scenario takes down answers 503. Runs until SIGINT or SIGTERM, or for --duration wall-clock
            seconds. --hostile 0.1 makes a tenth of the nodes misbehave, a different tenth each minute,
            each in one of eight ways (a trickled body, silence, a reset, a 14 MiB flood, 100,000
            labels, NaN and 2^63 values, escape sequences, a redirect to another origin): the load
            `fleetdeck bench soak` runs the console against, and a test for any monitoring stack.

            Example Prometheus job:
              - job_name: fleetdeck-sim
                http_sd_configs: [{url: "http://127.0.0.1:9400/targets", refresh_interval: 10s}]
            """)

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "Serve the scenario's nodes on HOST:PORT (loopback unless you mean otherwise; port 0 picks one).")
    var serve: String?

    @Option(name: .long, help: "A JSONL serving trace to replay on one node (with --profile).")
    var trace: String?

    @Option(name: .long, help: "Node profile for --trace: a path, or a name from sample-data/profiles.")
    var profile: String?

    @Option(name: .long, help: "Engine settings for --trace: a path, or a name from sample-data/engines (default: vLLM's).")
    var engine: String?

    @Option(name: .long, help: "The profile's model for --trace (default: its first).")
    var model: String?

    @Option(name: .long, help: "The trace's format: fleetdeck, azure, mooncake or burstgpt (default: told by its first line).")
    var format: String?

    @Option(name: .long, help: "With --trace: replay over a pool of N nodes (N, with --profile; or NxPROFILE, e.g. 16xh100-sxm).")
    var pool: String?

    @Option(name: .long, help: "With --pool: round_robin, least_loaded (default) or prefix_affinity.")
    var router: String = RouterPolicy.leastLoaded.rawValue

    @Option(name: .long, help: "With --pool: an objective to report attainment for, METRIC_pNN=TIME (ttft or e2e; p50, p90, p95, p99), e.g. ttft_p95=2s. Repeat for more.")
    var slo: [String] = []

    @Option(name: .long, help: "With --pool: play the trace this many times faster (arrivals at t / X), 0.01 to 1000.")
    var speedup: Double = 1

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: "Resize the fleet to this many GPU nodes, with the load scaled to match (1 to 10000).")
    var nodes: Int?

    @Option(name: .long, help: "With --serve: simulated seconds per wall-clock second (0 to 1000); 0 holds the fleet still after the warm-up.")
    var speed: Double = 1

    @Option(name: .long, help: "With --serve: simulated seconds run at once before serving starts.")
    var warmup: Double = 120

    @Option(name: .long, help: "With --serve: this share of the nodes (0 to 1) misbehaves, a different set each minute: trickled bodies, silence, resets, 14 MiB floods, label bombs, NaN and 2^63 values, escape sequences, redirects.")
    var hostile: Double = 0

    @Option(name: .long, help: "Headless: simulated time to run (1h, 30m, 90s, or seconds; default 1h). With --serve: wall-clock time before stopping (default: until a signal).",
            transform: TimeSpan.parser("--duration"))
    var duration: TimeSpan?

    func validate() throws {
        guard (0...1000).contains(speed) else { throw ValidationError("--speed must be between 0 and 1000") }
        guard (0...86_400).contains(warmup) else { throw ValidationError("--warmup must be between 0 and 86400 seconds") }
        guard (0...1).contains(hostile) else { throw ValidationError("--hostile is a share of the nodes, 0 to 1 (0.1 for a tenth)") }
        if let n = nodes, !(1...10_000).contains(n) { throw ValidationError("--nodes must be between 1 and 10000") }
        if let serve { _ = try Self.hostAndPort(serve) }
        if let format, TraceFormat(rawValue: format) == nil {
            throw ValidationError("--format is one of \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(TerminalText.sanitized(format))')")
        }
        guard (0.01...1000).contains(speedup) else { throw ValidationError("--speedup is between 0.01 and 1000") }
        if trace != nil {
            guard profile != nil || pool?.contains("x") == true else {
                throw ValidationError("--trace needs --profile (a node profile: sample-data/profiles), or --pool NxPROFILE")
            }
            guard serve == nil else { throw ValidationError("--trace and --serve are separate modes") }
            if let pool { _ = try PoolArgument(pool) }
            guard RouterPolicy(rawValue: router) != nil else {
                throw ValidationError("--router is one of \(RouterPolicy.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(TerminalText.sanitized(router))')")
            }
            for s in slo { _ = try PoolArgument.objective(s) }
            if pool == nil, !slo.isEmpty || speedup != 1 || duration != nil {
                throw ValidationError("--slo, --speedup and --duration go with --pool when replaying a trace")
            }
        } else if profile != nil || engine != nil || model != nil || pool != nil || format != nil {
            throw ValidationError("--profile, --engine, --model, --pool and --format go with --trace")
        }
    }

    static func hostAndPort(_ s: String) throws -> (host: String, port: Int) {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ValidationError("--serve wants HOST:PORT, such as 127.0.0.1:9400 (got '\(TerminalText.sanitized(s))')")
        }
        let host = String(s[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty else { throw ValidationError("--serve wants a host before the port, such as 127.0.0.1:\(port)") }
        return (host, port)
    }

    func run() throws {
        if let trace, let pool {
            let spec = try PoolArgument(pool)
            try TracePoolCommand(trace: trace, format: format.flatMap(TraceFormat.init), nodes: spec.nodes,
                                 profile: spec.profile ?? profile!, engine: engine, model: model,
                                 router: RouterPolicy(rawValue: router)!, objectives: try slo.map(PoolArgument.objective),
                                 speedup: speedup, limit: duration?.seconds, json: json).run()
        } else if let trace, let profile {
            try TraceReplayCommand(trace: trace, profile: profile, engine: engine, model: model,
                                   format: format.flatMap(TraceFormat.init), json: json).run()
        } else if let serve {
            try runServer(serve)
        } else {
            try runHeadless()
        }
    }

    private func runHeadless() throws {
        var sc = try scenario.loadScenario()
        if let n = nodes { sc = sc.resized(toNodes: n) }
        let seconds = duration?.seconds ?? 3600
        let simulator = FleetSimulator(scenario: sc, seed: scenario.seed)
        simulator.collectReport()
        let clock = WallClock()
        let t0 = clock.now
        simulator.advance(to: seconds)
        let wall = clock.now - t0
        guard let report = simulator.report(duration: seconds) else { return }
        if json {
            print(try JSONText.encode(report))
        } else {
            print(report.text(wallSeconds: wall))
        }
    }

    private func runServer(_ serve: String) throws {
        MemoryPolicy.forLongRunningProcess()
        var sc = try scenario.loadScenario()
        if let n = nodes { sc = sc.resized(toNodes: n) }
        let (host, port) = try Self.hostAndPort(serve)
        let wallLimit = duration?.seconds

        var signals = TerminationSignals.block()

        let store = SnapshotStore()
        let simulator = FleetSimulator(scenario: sc, seed: scenario.seed)
        let fleet = ServedFleet(advertisedAddress: serve, hostile: hostile > 0 ? HostileRotation(fraction: hostile) : nil)
        let driver = SimulationDriver(simulator: simulator, store: store, speed: speed) { fleet.update($0) }
        let server: MetricsHTTPServer
        do {
            server = try MetricsHTTPServer.start(host: host, port: port, fleet: fleet)
        } catch {
            throw UserError("cannot serve on \(serve): \(error)")
        }
        fleet.advertisedAddress = "\(host.contains(":") ? "[\(host)]" : host):\(server.port)"
        driver.warmUp(seconds: warmup)
        let task = Task.detached { await driver.run() }
        let count = simulator.expositions().count
        let misbehaving = hostile > 0 ? String(format: ", %.0f%% of them misbehaving in rotation", hostile * 100) : ""
        print("serving \(count) simulated vLLM nodes of '\(sc.name)'\(misbehaving) on http://\(fleet.advertisedAddress)/ (service discovery: /targets)")
        fflush(nil)

        signals.wait(atMost: wallLimit)
        driver.stop()
        task.cancel()
        server.stop()
    }
}

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
              fleetdeck simulate --trace FILE --profile FILE [--engine FILE] [--model NAME] [--json]
            replays the arrivals of a JSONL trace (arrival_s, prompt_tokens, output_tokens per line) on
            the node a profile describes, with the engine's scheduler settings, and prints TTFT, TPOT and
            end-to-end p50/p95/p99 (JSON keys ttft_s, tpot_s, e2e_s); when the trace was measured
            (first_token_s, finish_s) the measured percentiles and the error come too. --profile and
            --engine take a path, or a name from sample-data/profiles and sample-data/engines.

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
        if trace != nil {
            guard profile != nil else { throw ValidationError("--trace needs --profile (a node profile: sample-data/profiles)") }
            guard serve == nil else { throw ValidationError("--trace and --serve are separate modes") }
        } else if profile != nil || engine != nil || model != nil {
            throw ValidationError("--profile, --engine and --model go with --trace")
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
        if let trace, let profile {
            try TraceReplayCommand(trace: trace, profile: profile, engine: engine, model: model, json: json).run()
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

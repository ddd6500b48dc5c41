import ArgumentParser
import FleetCore
import Foundation
import Scheduler
import SimulatorServer

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the embedded simulator headless and serve its nodes as vLLM /metrics endpoints.",
        discussion: """
            --serve HOST:PORT exposes every simulated node at http://HOST:PORT/nodes/NODE/metrics in vLLM's
            format, and a Prometheus HTTP service-discovery document at http://HOST:PORT/targets, so a real
            Prometheus (http_sd_configs) or `fleetdeck watch` can scrape a simulated fleet of any size. A node
            the scenario takes down answers 503. Runs until SIGINT or SIGTERM, or for --duration seconds.

            Example Prometheus job:
              - job_name: fleetdeck-sim
                http_sd_configs: [{url: "http://127.0.0.1:9400/targets", refresh_interval: 10s}]
            """)

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "Address to serve on, HOST:PORT (loopback unless you mean otherwise; port 0 picks one).")
    var serve: String

    @Option(name: .long, help: "Resize the fleet to this many GPU nodes, with the load scaled to match (1 to 10000).")
    var nodes: Int?

    @Option(name: .long, help: "Simulated seconds per wall-clock second (0 to 1000); 0 holds the fleet still after the warm-up.")
    var speed: Double = 1

    @Option(name: .long, help: "Simulated seconds run at once before serving starts.")
    var warmup: Double = 120

    @Option(name: .long, help: "Stop after this many wall-clock seconds (default: run until a signal).")
    var duration: Double?

    func validate() throws {
        guard (0...1000).contains(speed) else { throw ValidationError("--speed must be between 0 and 1000") }
        guard (0...86_400).contains(warmup) else { throw ValidationError("--warmup must be between 0 and 86400 seconds") }
        if let n = nodes, !(1...10_000).contains(n) { throw ValidationError("--nodes must be between 1 and 10000") }
        if let d = duration, d <= 0 { throw ValidationError("--duration must be positive") }
        _ = try Self.hostAndPort(serve)
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
        var sc = try scenario.loadScenario()
        if let n = nodes { sc = sc.resized(toNodes: n) }
        let (host, port) = try Self.hostAndPort(serve)

        var signals = TerminationSignals.block()

        let store = SnapshotStore()
        let simulator = FleetSimulator(scenario: sc, seed: scenario.seed)
        let fleet = ServedFleet(advertisedAddress: serve)
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
        print("serving \(count) simulated vLLM nodes of '\(sc.name)' on http://\(fleet.advertisedAddress)/ (service discovery: /targets)")
        fflush(nil)

        signals.wait(atMost: duration)
        driver.stop()
        task.cancel()
        server.stop()
    }
}

import ArgumentParser
import FleetCore
import LocalNode
import Foundation
import Recording
import Scheduler
import Telemetry

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a fleet headless into a recording file: a simulated one (as fast as it simulates) or real servers.",
        discussion: """
            --scenario records the embedded simulator for --duration simulated seconds, as fast as it \
            runs. --config records the servers a watch config names (scrapes, a Prometheus API, NDJSON \
            streams) for --duration wall-clock seconds, with no terminal; SIGINT or SIGTERM ends it early \
            with the file closed properly. The file is fleetdeck's recording format \
            (Docs/recording-format.md): a header, a keyframe every --keyframe-interval seconds, one line \
            per tick. A name ending in .gz is compressed.
            """)

    @Option(name: .long, help: "The recording to write (.gz to compress).")
    var out: String

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "Record the servers this watch config names, instead of a scenario.")
    var config: String?

    @Option(name: .long, help: "Simulated seconds to record.")
    var duration: Double = 600

    @Option(name: .long, help: "Simulated seconds run before recording starts.")
    var warmup: Double = 0

    @Option(name: .long, help: "Seconds between keyframes.")
    var keyframeInterval: Double = 300

    func validate() throws {
        guard duration > 0, duration <= 7 * 86_400 else { throw ValidationError("--duration must be 1 second to 7 days") }
        guard (0...86_400).contains(warmup) else { throw ValidationError("--warmup must be 0 to 86400 seconds") }
        guard (5...3600).contains(keyframeInterval) else { throw ValidationError("--keyframe-interval must be 5 to 3600 seconds") }
    }

    func run() throws {
        // Before the HTTP client's threads take arenas of their own.
        MemoryPolicy.forLongRunningProcess()
        if let config { return try recordServers(config) }
        let sc = try scenario.loadScenario()
        let sim = FleetSimulator(scenario: sc, seed: scenario.seed)
        let writer: RecordingWriter
        do { writer = try RecordingWriter(path: out, keyframeInterval: keyframeInterval) } catch { throw UserError("\(error)") }
        if warmup > 0 { sim.advance(to: warmup) }
        let end = sim.now + duration
        do {
            try writer.record(sim.snapshot())
            while sim.now < end {
                let before = sim.sampleCount
                sim.advance(to: min(end, sim.now + sim.sampleInterval))
                if sim.sampleCount != before { try writer.record(sim.snapshot()) }
            }
            try writer.close()
        } catch {
            throw UserError("\(error)")
        }
        print("recorded \(writer.ticks) ticks of '\(sc.name)' (\(Format.duration(duration))) to \(out): \(writer.bytesWritten) bytes")
    }
}

extension RecordCommand {
    /// Real servers, headless, for `duration` wall seconds (or until a signal).
    func recordServers(_ path: String) throws {
        let cfg = try UserConfig.load(explicit: path)
        let w = cfg.watch
        guard w.hasSource else {
            throw UserError("nothing to record: \(path) names no targets, service discovery, prometheus or streams")
        }
        var signals = TerminationSignals.block()
        let sink: RecordingSink
        do { sink = try RecordingSink(path: out, keyframeInterval: keyframeInterval) } catch { throw UserError("\(error)") }
        let client = try TelemetryHTTPClient.make(tls: w.tls)
        defer { try? client.syncShutdown() }
        // The recording carries the fleet's alerts as a console would have seen them.
        let alerts = AlertEngine(settings: w.alerts)
        let store = SnapshotStore(transform: { alerts.apply(to: $0) }, onPublish: { sink.record($0) })
        let source: any FleetSource
        do { source = try WatchSources.make(w, client: client, store: store, stdin: false) } catch { throw UserError("\(error)") }
        let task = Task.detached { await source.run() }
        signals.wait(atMost: duration)
        source.stop()
        task.cancel()
        sink.close()
        if let e = sink.error { throw UserError("recording stopped early: \(e)") }
        print("recorded \(sink.ticks) ticks from \(TerminalText.sanitized(path)) to \(out)")
    }
}

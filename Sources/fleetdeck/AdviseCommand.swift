import ArgumentParser
import FleetCore
import Foundation
import Scheduler
import Telemetry

struct AdviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advise",
        abstract: "Run the scheduler model's advisor headless on a scenario: forecasts, ranked what-ifs, early warnings, routing.",
        discussion: """
            Simulates the scenario up to --until, feeding every sample to the load forecast and running an
            advisor round every 15 simulated seconds, as the console does (Docs/advisor.md). Prints each
            round where the advice changes (an early warning, a recommendation becoming active), then the
            last round in full: the ranked candidates with predicted p95, queue, cost delta and time to
            effect, and the routing classifier's report.

              fleetdeck advise --scenario bank --until 8m --without-scripted-actions
              fleetdeck advise --scenario ecommerce --until 6m --apply --json
              fleetdeck advise --config fleet.yaml --for 3m --json

            --config watches the real fleet a watch config names, headless, for --for, then runs one round on
            its twin (Docs/twin.md): per pool, the twin's calibration, its predicted p50/p95 TTFT and end to
            end for the last minute beside the observed ones, what it had to assume, and the ranked what-ifs.

            --without-scripted-actions drops the scenario's own timeline of actions (the bank's scripted
            predictive scale-up), so the advisor has to find it. --apply applies each recommendation the
            moment it becomes active, as an operator pressing a would.
            """)

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "Advise on the real fleet this watch config names (its twin), instead of a scenario.")
    var config: String?

    @Option(name: .customLong("for"), help: "With --config: how long to watch before the round (90s, 5m or seconds; at least a minute for a full window).",
            transform: TimeSpan.parser("--for"))
    var watchFor = TimeSpan(seconds: 90)

    @Option(name: .long, help: "Simulated time to run (8m, 1h, 600s or seconds).", transform: TimeSpan.parser("--until"))
    var until = TimeSpan(seconds: 600)

    @Option(name: .long, help: "How far ahead each what-if plays (10m, 600s or seconds).", transform: TimeSpan.parser("--horizon"))
    var horizon = TimeSpan(seconds: 600)

    @Flag(name: .long, help: "Drop the scenario's scripted actions (its own operator timeline).")
    var withoutScriptedActions = false

    @Flag(name: .long, help: "Apply each recommendation as soon as it becomes active.")
    var apply = false

    @Flag(name: .long, help: "Print JSON: every round's summary and the last round in full.")
    var json = false

    func validate() throws {
        guard horizon.seconds <= 3600 else { throw ValidationError("--horizon must be at most 1h") }
    }

    func run() throws {
        if let config { return try adviseWatched(config) }
        var sc = try scenario.loadScenario()
        if withoutScriptedActions { sc.actions = [] }
        let simulator = FleetSimulator(scenario: sc, seed: scenario.seed)
        var settings = Advisor.Settings()
        settings.horizon = horizon.seconds
        settings.seed = simulator.seedUsed
        let advisor = Advisor(settings: settings)
        var rounds: [AdviceJSON.Round] = []
        var last: FleetAdvice?
        var shownActive: String?
        advisor.follow(simulator, until: until.seconds, applyActive: apply) { advice, applied in
            last = advice
            rounds.append(AdviceJSON.Round(advice, applied: applied))
            guard !json else { return }
            let clock = Format.clock(simulator.timeOfDay(at: advice.time))
            for w in advice.warnings { say("\(clock)  WARNING  \(w.message)") }
            if advice.active?.title != shownActive {
                shownActive = advice.active?.title
                if let a = advice.active { say("\(clock)  RECOMMEND  \(a.title): \(a.why)") } else { say("\(clock)  nothing to do") }
            }
            if let applied { say("\(clock)  APPLIED  \(applied.verb.rawValue) \(applied.target)") }
        }
        guard let last else { return }
        if json {
            print(try JSONText.encode(AdviceJSON(scenario: sc.name, seed: simulator.seedUsed, rounds: rounds, last: AdviceJSON.Full(last))))
        } else {
            print(TerminalText.sanitizedKeepingNewlines(last.text))
        }
    }
}

extension AdviseCommand {
    /// The real fleet of a watch config: its telemetry for `watchFor`, then a round on its twin.
    func adviseWatched(_ path: String) throws {
        MemoryPolicy.forLongRunningProcess()
        let cfg = try UserConfig.load(explicit: path)
        let w = cfg.watch
        guard w.hasSource else { throw UserError("nothing to advise on: \(path) names no targets, service discovery, prometheus or streams") }
        var signals = TerminationSignals.block()
        let client = try TelemetryHTTPClient.make(tls: w.tls)
        defer { try? client.syncShutdown() }
        let store = SnapshotStore()
        let source: any FleetSource
        do { source = try WatchSources.make(w, client: client, store: store, stdin: false) } catch { throw UserError("\(error)") }
        var settings = Advisor.Settings.watched
        settings.horizon = horizon.seconds
        settings.routingRetrainRounds = 0
        let advisor = Advisor(settings: settings)
        let twin = FleetTwin(settings: cfg.twin)
        let task = Task.detached { await source.run() }
        let end = Date().addingTimeInterval(watchFor.seconds)
        var seen = 0
        var last: FleetSnapshot?
        var lastWall = Date()
        while Date() < end {
            if signals.wait(atMost: min(0.2, max(0.01, end.timeIntervalSinceNow))) { break }
            let (version, snapshot) = store.latest()
            guard version != seen, let snapshot else { continue }
            seen = version
            advisor.observe(snapshot)
            twin.observe(snapshot)
            last = snapshot
            lastWall = Date()
        }
        source.stop()
        task.cancel()
        guard let last else { throw UserError("no snapshot from \(TerminalText.sanitized(path)) in \(Format.duration(watchFor.seconds))") }
        let advice = advisor.round(twin: twin, snapshot: last).advice
        let unmodelled = Dictionary(twin.unmodelled.map { ($0.pool, $0.reason) }, uniquingKeysWith: { a, _ in a })
        if json {
            print(try JSONText.encode(WatchedAdviceJSON(config: path, advice: advice, unmodelled: unmodelled,
                                                        endUnix: lastWall.timeIntervalSince1970)))
        } else {
            print(TerminalText.sanitizedKeepingNewlines(advice.twinText))
        }
    }
}

/// A line for the terminal: pool ids and labels come from scenario files, so control
/// characters are replaced first.
private func say(_ line: String) { print(TerminalText.sanitized(line)) }

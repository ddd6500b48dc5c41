import ArgumentParser
import FleetCore
import Foundation
import Scheduler

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

            --without-scripted-actions drops the scenario's own timeline of actions (the bank's scripted
            predictive scale-up), so the advisor has to find it. --apply applies each recommendation the
            moment it becomes active, as an operator pressing a would.
            """)

    @OptionGroup var scenario: ScenarioOptions

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

/// A line for the terminal: pool ids and labels come from scenario files, so control
/// characters are replaced first.
private func say(_ line: String) { print(TerminalText.sanitized(line)) }

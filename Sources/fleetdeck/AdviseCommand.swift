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

    @Option(name: .long, help: "Simulated time to run (8m, 1h, 600s or seconds).")
    var until = "10m"

    @Option(name: .long, help: "How far ahead each what-if plays (10m, 600s or seconds).")
    var horizon = "10m"

    @Flag(name: .long, help: "Drop the scenario's scripted actions (its own operator timeline).")
    var withoutScriptedActions = false

    @Flag(name: .long, help: "Apply each recommendation as soon as it becomes active.")
    var apply = false

    @Flag(name: .long, help: "Print JSON: every round's summary and the last round in full.")
    var json = false

    func validate() throws {
        _ = try SimulateCommand.durationSeconds(until, option: "--until")
        let h = try SimulateCommand.durationSeconds(horizon, option: "--horizon")
        guard h <= 3600 else { throw ValidationError("--horizon must be at most 1h") }
    }

    func run() throws {
        var sc = try scenario.loadScenario()
        if withoutScriptedActions { sc.actions = [] }
        let simulator = FleetSimulator(scenario: sc, seed: scenario.seed)
        var settings = Advisor.Settings()
        settings.horizon = try SimulateCommand.durationSeconds(horizon, option: "--horizon")
        settings.seed = simulator.seedUsed
        let advisor = Advisor(settings: settings)
        var rounds: [AdviceJSON.Round] = []
        var last: FleetAdvice?
        var shownActive: String?
        advisor.follow(simulator, until: try SimulateCommand.durationSeconds(until, option: "--until"), applyActive: apply) { advice, applied in
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
            print(TerminalText.sanitizedKeepingNewlines(AdviceText.render(last)))
        }
    }
}

/// A line for the terminal: pool ids and labels come from scenario files, so control
/// characters are replaced first.
private func say(_ line: String) { print(TerminalText.sanitized(line)) }

/// The last round as text: the ranking table, the warnings, the routing report.
enum AdviceText {
    static func render(_ a: FleetAdvice) -> String {
        var lines = ["advisor round at t=\(Format.duration(a.time)), \(Format.duration(a.horizon)) ahead, took \(String(format: "%.3f", a.roundSeconds)) s"]
        for w in a.warnings { lines.append("warning: \(w.message)") }
        if let active = a.active { lines.append("recommended: \(active.title)") } else { lines.append("recommended: nothing to do") }
        lines.append("")
        lines.append(pad("#", 3) + pad("candidate", 56) + pad("SLO", 8) + pad("e2e p95", 9) + pad("ttft p95", 9) + pad("queue", 7)
                     + pad("$/h", 9) + pad("effect", 8) + "risk")
        for (i, r) in a.recommendations.enumerated() {
            lines.append(pad("\(i + 1)", 3) + pad(r.title, 56) + pad(Format.percent(r.attainment), 8) + pad(Format.latency(r.e2eP95), 9)
                         + pad(Format.latency(r.ttftP95), 9) + pad("\(r.queuePeak)", 7) + pad(Format.dollarDelta(r.costDeltaPerHour), 9)
                         + pad(r.timeToEffect > 0 ? Format.duration(r.timeToEffect) : "now", 8) + "\(r.risk.rawValue)")
        }
        if let r = a.routing {
            lines.append("")
            lines.append("routing classifier: \(r.model), trained on \(r.trainedOn) simulated requests")
            lines.append("  agreement with the simulator's best route: \(Format.percent(r.agreement)) of \(r.heldOut) held out")
            lines.append("  cost: \(r.savingsText)")
            lines.append("  over SLO: static split \(Format.percent(r.staticMissRate)), classifier \(Format.percent(r.classifierMissRate))")
            lines.append("  routes: " + r.tierShares.map { "\($0.tier) \(Format.percent($0.share))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ n: Int) -> String {
        let w = TerminalText.width(s)
        return w >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - w)
    }
}

struct AdviceJSON: Encodable {
    struct Round: Encodable {
        var time: Double
        var active: String?
        var warnings: [String]
        var applied: String?
        var roundSeconds: Double

        init(_ a: FleetAdvice, applied: OperatorAction?) {
            time = a.time
            active = a.active?.title
            warnings = a.warnings.map(\.message)
            self.applied = applied.map { "\($0.verb.rawValue) \($0.target)" }
            roundSeconds = a.roundSeconds
        }

        enum CodingKeys: String, CodingKey { case time = "time_s", active, warnings, applied, roundSeconds = "round_s" }
    }

    struct Candidate: Encodable {
        var title: String
        var attainment: Double
        var meetsSLO: Bool
        var e2eP95: Double?
        var ttftP95: Double?
        var queuePeak: Int
        var shed: Int
        var costDeltaPerHour: Double
        var timeToEffect: Double
        var risk: Int
        var why: String

        enum CodingKeys: String, CodingKey {
            case title, attainment, risk, why, shed
            case meetsSLO = "meets_slo", e2eP95 = "e2e_p95_s", ttftP95 = "ttft_p95_s", queuePeak = "queue_peak"
            case costDeltaPerHour = "cost_delta_per_hour", timeToEffect = "time_to_effect_s"
        }
    }

    struct Routing: Encodable {
        var model: String
        var trainedOn: Int
        var heldOut: Int
        var agreement: Double
        var savedPerMillion: Double
        var savedShare: Double
        var staticMissRate: Double
        var classifierMissRate: Double
        var tierShares: [String: Double]

        enum CodingKeys: String, CodingKey {
            case model, agreement
            case trainedOn = "trained_on", heldOut = "held_out", savedPerMillion = "saved_per_million_requests"
            case savedShare = "saved_share", staticMissRate = "static_miss_rate", classifierMissRate = "classifier_miss_rate"
            case tierShares = "tier_shares"
        }
    }

    struct Full: Encodable {
        var time: Double
        var horizon: Double
        var active: String?
        var warnings: [String]
        var candidates: [Candidate]
        var routing: Routing?

        init(_ a: FleetAdvice) {
            time = a.time
            horizon = a.horizon
            active = a.active?.title
            warnings = a.warnings.map(\.message)
            candidates = a.recommendations.map {
                Candidate(title: $0.title, attainment: $0.attainment, meetsSLO: $0.meetsSLO, e2eP95: $0.e2eP95, ttftP95: $0.ttftP95,
                          queuePeak: $0.queuePeak, shed: $0.shed, costDeltaPerHour: $0.costDeltaPerHour,
                          timeToEffect: $0.timeToEffect, risk: $0.risk.rawValue, why: $0.why)
            }
            routing = a.routing.map {
                Routing(model: $0.model, trainedOn: $0.trainedOn, heldOut: $0.heldOut, agreement: $0.agreement,
                        savedPerMillion: $0.savedPerMillion, savedShare: $0.savedShare, staticMissRate: $0.staticMissRate,
                        classifierMissRate: $0.classifierMissRate,
                        tierShares: Dictionary(uniqueKeysWithValues: $0.tierShares.map { ($0.tier, $0.share) }))
            }
        }

        enum CodingKeys: String, CodingKey { case time = "time_s", horizon = "horizon_s", active, warnings, candidates, routing }
    }

    var scenario: String
    var seed: UInt64
    var rounds: [Round]
    var last: Full
}

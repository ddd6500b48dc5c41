import ArgumentParser
import FleetCore
import Foundation
import Scheduler

/// `fleetdeck backtest`: a simulated day under each scaling policy, side by side.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Play a scenario's day under each scaling policy (the advisor, two threshold autoscalers, the static fleet) and print SLO attainment, GPU-hours and cost.",
        discussion: """
            Every policy sees the same traffic and incidents (the same seed). The scenario's own
            autoscalers and scripted operator actions are taken out; what scales is the policy:
              advisor   the scheduler model's advisor, a round every --round-interval, applying its own
                        confirmed recommendation (scale up, scale in, degrade, restore, reroute)
              queue     a threshold autoscaler on requests waiting per replica, as KEDA/HPA setups on
                        vllm:num_requests_waiting: up past a threshold for 30 s, down under a tenth of it
                        for 5 or 15 minutes
              kv_queue  one on KV-cache usage and the queue, as llm-d's workload-variant autoscaler: up
                        past a KV share or 0.5 waiting per replica, down under a lower share with nothing
                        waiting
              static    the scenario's fleet as it is
            Each threshold autoscaler is tuned: six settings are played, and the cheapest that meets the
            SLO is kept (else the one with the best attainment), so the advisor meets each at its best.
            Docs/advisor.md has the table for the five scenarios.
            """)

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "Simulated time to play (24h, 6h, 90m, or seconds).", transform: TimeSpan.parser("--duration"))
    var duration: TimeSpan = TimeSpan(seconds: 86_400)

    @Option(name: .long, parsing: .upToNextOption, help: "Policies to play (default: all): advisor, queue, kv_queue, static.")
    var policy: [String] = []

    @Option(name: .long, help: "Resize the fleet to this many GPU nodes, with the load scaled to match.")
    var nodes: Int?

    @Option(name: .long, help: "Seconds between the advisor's rounds.")
    var roundInterval: Double = 120

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Flag(name: .long, help: "List every action each policy took, with its simulated time.")
    var actions = false

    func validate() throws {
        for p in policy where PolicyBacktest.Policy(rawValue: p) == nil {
            throw ValidationError("--policy is one of \(PolicyBacktest.Policy.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(TerminalText.sanitized(p))')")
        }
        guard (30...3600).contains(roundInterval) else { throw ValidationError("--round-interval is 30 to 3600 seconds") }
        if let n = nodes, !(1...10_000).contains(n) { throw ValidationError("--nodes must be between 1 and 10000") }
        guard duration.seconds >= 60 else { throw ValidationError("--duration is at least a minute") }
    }

    func run() throws {
        var sc = try scenario.loadScenario()
        if let n = nodes { sc = sc.resized(toNodes: n) }
        let policies = policy.isEmpty ? PolicyBacktest.Policy.allCases : policy.compactMap(PolicyBacktest.Policy.init)
        let seed = scenario.seed ?? sc.seed
        var results: [PolicyBacktest.Result] = []
        for p in policies {
            results.append(PolicyBacktest.tuned(sc, policy: p, duration: duration.seconds, seed: seed, advisorRoundInterval: roundInterval))
        }
        if json {
            print(try JSONText.encode(results))
            return
        }
        let table = TextTable(widths: [10, 12, 10, 11, 11, 10, 9, 9, 0])
        var lines = ["\(sc.name), \(Format.duration(duration.seconds)) simulated, seed \(seed)", "",
                     table.row(["policy", "attainment", "SLO", "GPU-hours", "cost", "requests", "shed", "actions", "wall"])]
        for r in results {
            lines.append(table.row([r.policy, String(format: "%.2f%%", r.attainment * 100), r.meetsSLO ? "met" : "MISSED",
                                    String(format: "%.1f", r.gpuHours), Format.dollars(r.costUSD), "\(r.requests)", "\(r.shed)",
                                    "\(r.actions)", String(format: "%.1f s", r.wallSeconds)]))
        }
        lines.append("")
        for r in results {
            lines.append("\(r.policy): \(r.settings)" + (r.variantsTried > 1 ? " (the cheapest of \(r.variantsTried) settings that meets the SLO, else the best)" : ""))
        }
        if actions {
            for r in results where !r.log.isEmpty {
                lines += ["", "\(r.policy):"] + r.log.map { "  " + TerminalText.sanitized($0) }
            }
        }
        print(lines.joined(separator: "\n"))
    }
}

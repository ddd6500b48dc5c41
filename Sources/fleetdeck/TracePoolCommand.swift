import ArgumentParser
import FleetCore
import Foundation
import Scheduler

/// `--pool N[xPROFILE]` and `--slo METRIC_pNN=TIME`, as `simulate --trace` reads them.
struct PoolArgument {
    var nodes: Int
    var profile: String?

    init(_ text: String) throws {
        let parts = text.split(separator: "x", maxSplits: 1).map(String.init)
        guard let n = Int(parts.first ?? ""), (1...Scenario.maxNodes).contains(n) else {
            throw ValidationError("--pool is N or NxPROFILE with N from 1 to \(Scenario.maxNodes), e.g. 16xh100-sxm (got '\(TerminalText.sanitized(text))')")
        }
        nodes = n
        profile = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
    }

    static func objective(_ text: String) throws -> SLOObjective {
        let bad = ValidationError("--slo is METRIC_pNN=TIME: ttft or e2e, p50/p90/p95/p99, a time such as 500ms or 2s (got '\(TerminalText.sanitized(text))')")
        let sides = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard sides.count == 2 else { throw bad }
        let name = sides[0].split(separator: "_").map(String.init)
        guard name.count == 2, let metric = SLOObjective.Metric(rawValue: name[0]), [.ttft, .e2e].contains(metric),
              name[1].hasPrefix("p"), let pct = Int(name[1].dropFirst()), [50, 90, 95, 99].contains(pct),
              let seconds = PrometheusDuration.seconds(sides[1]), seconds > 0 else { throw bad }
        return SLOObjective(metric: metric, percentile: pct, target: seconds)
    }
}

/// `simulate --trace FILE --pool SPEC`: streams the trace over a pool, prints the pool's report.
struct TracePoolCommand {
    var trace: String
    var format: TraceFormat?
    var nodes: Int
    var profile: String
    var engine: String?
    var model: String?
    var router: RouterPolicy
    var objectives: [SLOObjective]
    var speedup: Double
    var limit: Double?
    var json: Bool

    func run() throws {
        let files = try NodeFiles(profile: profile, engine: engine)
        let (profilePath, nodeProfile, settings) = (files.profilePath, files.profile, files.engine)
        let feed = try TraceFeed(file: trace, format: format, speedup: speedup)
        let replay: TracePoolReplay
        do {
            replay = try TracePoolReplay(feed: feed, profile: nodeProfile, profileFile: profilePath, modelName: model,
                                         engine: settings, nodes: nodes, router: router, objectives: objectives)
        } catch let failure as TraceReplay.Failure {
            throw UserError(failure.description)
        }
        let clock = WallClock()
        let t0 = clock.now
        let (simulator, seconds) = replay.run(limit: limit ?? .infinity)
        let wall = clock.now - t0
        if let error = feed.error { throw error }
        guard let report = simulator.report(duration: seconds) else { return }
        print(json ? try JSONText.encode(report) : report.text(wallSeconds: wall))
    }
}

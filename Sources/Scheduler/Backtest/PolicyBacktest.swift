import FleetCore
import Foundation

/// A whole simulated day of a scenario under one scaling policy: the advisor applying its own
/// recommendations, a threshold autoscaler (on the queue, or on KV usage and the queue), or
/// the scenario's fleet left as it is. Every policy sees the same traffic and the same
/// incidents (the same seed); the scenario's own autoscalers and scripted operator actions
/// are taken out, since the policy is what is being judged. `fleetdeck backtest`.
public enum PolicyBacktest {
    public enum Policy: String, Sendable, CaseIterable {
        case advisor
        case queue
        case kvQueue = "kv_queue"
        case staticFleet = "static"
    }

    public struct Result: Sendable, Encodable {
        public var policy: String
        public var scenario: String
        public var durationSeconds: Double
        /// Request-weighted share of requests within every objective of their pool.
        public var attainment: Double
        /// Whether every pool met every objective over the day.
        public var meetsSLO: Bool
        public var gpuHours: Double
        public var costUSD: Double
        public var requests: Int
        public var shed: Int
        public var actions: Int
        public var wallSeconds: Double
        /// Each action taken: the simulated time and what was done.
        public var log: [String]
        /// A threshold autoscaler's settings; the advisor's round interval.
        public var settings: String
        /// Threshold settings tried before this one was kept.
        public var variantsTried = 1

        enum CodingKeys: String, CodingKey {
            case policy, scenario, attainment, requests, shed, actions
            case durationSeconds = "duration_s", meetsSLO = "meets_slo", gpuHours = "gpu_hours", costUSD = "cost_usd"
            case wallSeconds = "wall_s", log, settings, variantsTried = "variants_tried"
        }
    }

    /// The scenario as a policy meets it: no autoscalers, no scripted actions.
    public static func unmanaged(_ scenario: Scenario) -> Scenario {
        var sc = scenario
        sc.actions = []
        for i in sc.pools.indices {
            if case .gpu(var g) = sc.pools[i].kind {
                g.autoscale = nil
                sc.pools[i].kind = .gpu(g)
            }
        }
        return sc
    }

    /// Seconds between a threshold autoscaler's readings (a scrape interval) and between the
    /// advisor's rounds.
    public static let controlInterval = 30.0

    /// The replicas a threshold autoscaler may go up to: four times the scenario's largest pool.
    static func ceiling(_ sc: Scenario) -> Int {
        sc.pools.reduce(0) { n, p in
            if case .gpu(let g) = p.kind { return max(n, g.nodes * 4) }
            return n
        }
    }

    /// A threshold policy tuned as an operator would: every variant of its thresholds played,
    /// the cheapest in GPU-hours among those that meet the SLO kept, else the one with the
    /// best attainment. Other policies are played once.
    public static func tuned(_ scenario: Scenario, policy: Policy, duration: Double, seed: UInt64,
                             advisorRoundInterval: Double = 120, clock: any FleetClock = WallClock()) -> Result {
        let signal: ThresholdAutoscaler.Signal
        switch policy {
        case .queue: signal = .queue
        case .kvQueue: signal = .kvAndQueue
        case .advisor, .staticFleet:
            return run(scenario, policy: policy, duration: duration, seed: seed, advisorRoundInterval: advisorRoundInterval, clock: clock)
        }
        let variants = ThresholdAutoscaler.variants(signal, maxReplicas: ceiling(unmanaged(scenario)))
        let results = variants.map { run(scenario, policy: policy, duration: duration, seed: seed, autoscaler: $0, clock: clock) }
        let meeting = results.filter(\.meetsSLO)
        var best = meeting.min { $0.gpuHours < $1.gpuHours } ?? results.max { $0.attainment < $1.attainment }!
        best.variantsTried = results.count
        best.wallSeconds = results.reduce(0) { $0 + $1.wallSeconds }
        return best
    }

    public static func run(_ scenario: Scenario, policy: Policy, duration: Double, seed: UInt64,
                           advisorRoundInterval: Double = 120, autoscaler given: ThresholdAutoscaler? = nil,
                           clock: any FleetClock = WallClock()) -> Result {
        let started = clock.now
        let sc = unmanaged(scenario)
        let sim = FleetSimulator(scenario: sc, seed: seed)
        sim.collectReport()
        var autoscaler = given ?? ThresholdAutoscaler(signal: policy == .queue ? .queue : .kvAndQueue, maxReplicas: ceiling(sc))
        var settings = Advisor.Settings()
        settings.seed = seed
        settings.routingRetrainRounds = 0
        let advisor = Advisor(settings: settings)
        var gpuSeconds = 0.0
        var actions = 0
        var log: [String] = []
        func take(_ action: OperatorAction, by label: String) -> Bool {
            guard case .success(let text) = sim.perform(action, label: label) else { return false }
            actions += 1
            log.append("\(Format.duration(sim.now)) \(text)")
            return true
        }
        var nextRound = 0.0
        var t = 0.0
        while t < duration {
            let step = min(controlInterval, duration - t)
            gpuSeconds += sim.provisionedGPUs * step
            t += step
            sim.advance(to: t)
            switch policy {
            case .staticFleet:
                break
            case .queue, .kvQueue:
                for reading in sim.poolReadings() {
                    let delta = autoscaler.decide(reading, dt: step)
                    if delta != 0 { _ = take(.scale(pool: reading.pool, delta: delta), by: "\(policy.rawValue) autoscaler") }
                }
            case .advisor:
                let snapshot = sim.snapshot()
                advisor.observe(snapshot)
                guard t >= nextRound else { continue }
                nextRound = t + advisorRoundInterval
                let (advice, _) = advisor.round(fleet: sim, snapshot: snapshot, clock: clock)
                if let action = advice.active?.action, take(action, by: "advisor") {
                    advisor.acknowledge(action)
                    // Acting is news: look again soon rather than a whole interval later.
                    nextRound = t + controlInterval
                }
            }
        }
        let report = sim.report(duration: duration)!
        return Result(policy: policy.rawValue, scenario: sc.name, durationSeconds: duration,
                      attainment: RecommendationRanking.attainment(report), meetsSLO: RecommendationRanking.meetsSLO(report),
                      gpuHours: gpuSeconds / 3600, costUSD: report.costUSD, requests: report.requests, shed: report.shed,
                      actions: actions, wallSeconds: clock.now - started, log: log,
                      settings: policy == .advisor ? "a round every \(Format.duration(advisorRoundInterval))"
                              : policy == .staticFleet ? "the scenario's fleet" : autoscaler.settingsText)
    }
}

import FleetCore

/// The scheduler model's inference on live data: it keeps the load forecast up to date from
/// every snapshot, and each round forks the fleet once per candidate action, plays the next
/// minutes of forecast load forward, and ranks what happens. Single-threaded: the loop that
/// owns it calls it off the render thread.
public final class Advisor {
    public struct Settings: Sendable, Equatable {
        /// Seconds each what-if plays ahead (less for a fleet too busy for `requestBudget`).
        public var horizon: Double = 600
        /// Simulated requests per candidate a round may spend, over all its seeds: about a
        /// second for eight candidates on one core (Docs/performance.md). The horizon comes
        /// first: a busier fleet plays fewer seeds, then looks less far ahead, never under
        /// `minimumHorizon`.
        public var requestBudget: Double = 50_000
        public var minimumHorizon: Double = 180
        /// Source seconds between rounds.
        public var roundInterval: Double = 15
        public var seed: UInt64 = 1
        public var confirmRounds = 2
        public var clearRounds = 3
        /// Rounds between retrainings of the routing classifier (0: never train it).
        public var routingRetrainRounds = 8
        /// Seeds each candidate is played with at most (Monte Carlo): the ranking reads the
        /// median seed, the screen shows the spread. Seeds come out of the request budget
        /// after the horizon: a forecast breach ten minutes out matters more than an interval.
        public var seeds = 4
        /// Whether a healthy fleet's rounds look for replicas to remove.
        public var scaleIn = true
        /// Seconds after a pool was scaled up before a round may offer to scale it in: the
        /// stabilisation window an HPA keeps for scale-down. Without it a load between two
        /// sizes flaps between them, the new replica looking spare once it serves.
        public var scaleInCooldown: Double = 600
        /// Seconds of load the forecast must have seen before a round may offer to scale in:
        /// a forecast with no history is flat, and a morning ramp would find the fleet shrunk.
        public var scaleInWarmup: Double = 900

        public init() {}

        /// A watched fleet's: its twin is a fitted model, 10-20% off on a good day, so a
        /// candidate's sampling needs fewer requests than the embedded simulator's exact
        /// what-ifs; its big pools are slices (`PoolSlice`), so ten minutes fit in them.
        public static var watched: Settings {
            var s = Settings()
            s.requestBudget = 30_000
            return s
        }
    }

    public let settings: Settings
    public private(set) var forecaster = FleetLoadForecaster()
    private var hysteresis: RecommendationHysteresis<Remedy>
    private var active: Recommendation?
    /// Pools warned about in the last round, so each warning is logged once per episode.
    private var warned: Set<String> = []
    public private(set) var rounds = 0
    private var routing: RoutingReport?
    /// The time of the last snapshot observed, and when each pool was last scaled up.
    private var now = 0.0
    private var scaledUpAt: [String: Double] = [:]

    /// Asked between candidates: a round in progress ends early when it says so (quitting).
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(settings: Settings = Settings()) {
        self.settings = settings
        hysteresis = RecommendationHysteresis(confirmRounds: settings.confirmRounds, clearRounds: settings.clearRounds)
    }

    public func observe(_ snapshot: FleetSnapshot) {
        forecaster.observe(snapshot)
        now = snapshot.time
    }

    /// The seed of round `n`: the same for every candidate of the round (common random
    /// numbers, so candidates differ by their action and not by luck), different across rounds.
    func roundSeed(_ n: Int) -> UInt64 {
        var z = settings.seed &+ UInt64(n) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        return z ^ (z >> 27)
    }

    /// The fleet's offered load over the what-if horizon: the forecast's shape, anchored at
    /// the rate the fleet is offered now.
    public func arrivalPath(for fleet: FleetSimulator, horizon: Double? = nil) -> ArrivalPath {
        let steps = Int(((horizon ?? settings.horizon) / FleetLoadForecaster.step).rounded(.up)) + 1
        let base = fleet.offeredRate
        return ArrivalPath(start: fleet.now, step: FleetLoadForecaster.step, rates: forecaster.growth(steps: steps).map { $0 * base })
    }

    /// How far this round's what-ifs look: the setting, shortened for a fleet so busy that
    /// eight candidates would not fit the request budget (counting the requests simulated: a
    /// twin's big pools are slices).
    public func horizon(for fleet: FleetSimulator) -> Double {
        let rate = max(fleet.offeredRate * fleet.simulatedShare, 1e-9)
        return max(min(settings.horizon, settings.minimumHorizon), min(settings.horizon, settings.requestBudget / rate))
    }

    /// Seeds this round can afford at `horizon`: as many as the budget buys, 1 to `seeds`.
    public func seedCount(for fleet: FleetSimulator, horizon: Double) -> Int {
        let perSeed = max(fleet.offeredRate * fleet.simulatedShare, 1e-9) * horizon
        // In Double until clamped: an unlimited budget buys every seed.
        return Int(max(1, min(Double(settings.seeds), (settings.requestBudget / perSeed).rounded(.down))))
    }

    /// One round. `fleet` is forked, never advanced; nil (a watched fleet, a replay) gives
    /// forecasts only. Returns the advice and the warnings that are new this round.
    public func round(fleet: FleetSimulator?, snapshot: FleetSnapshot, clock: any FleetClock = WallClock())
        -> (advice: FleetAdvice, newWarnings: [EarlyWarning]) {
        let started = clock.now
        rounds += 1
        let forecasts = forecaster.forecasts()
        guard let fleet else {
            return (FleetAdvice(time: snapshot.time, horizon: settings.horizon, forecasts: forecasts, recommendations: [],
                                active: nil, warnings: [], routing: nil, roundSeconds: clock.now - started,
                                note: "forecast only: what-if needs the embedded simulator (fleetdeck demo)"), [])
        }
        let seed = roundSeed(rounds)
        let horizon = horizon(for: fleet)
        let seedCount = seedCount(for: fleet, horizon: horizon)
        let path = arrivalPath(for: fleet, horizon: horizon)
        let baselineRuns = playSeeds(.nothing, fleet: fleet, path: path, horizon: horizon, seed: seed, count: seedCount)
        let baseline = MonteCarloRuns(baselineRuns).median
        let warnings = earlyWarnings(baseline, fleet: fleet)

        var ranked: [Recommendation] = []
        let atRisk = poolAtRisk(baseline)
        func rank(_ candidates: [WhatIfCandidate], pool: String) -> [Recommendation] {
            var runs = [MonteCarloRuns(baselineRuns)]
            for c in candidates {
                if shouldStop() { break }
                runs.append(MonteCarloRuns(playSeeds(c, fleet: fleet, path: path, horizon: horizon, seed: seed, count: seedCount)))
            }
            return RecommendationRanking.rank(runs.map(\.median), pool: pool, horizon: horizon,
                                              intervals: runs.map { $0.interval(pool: pool) })
        }
        if let pool = atRisk {
            ranked = rank(Array(fleet.whatIfCandidates(forPool: pool).dropFirst()), pool: pool)
        }
        if atRisk == nil, let pool = degradedPool(fleet) {
            // A healthy fleet with a degrade mode still on is asked first whether to restore it.
            ranked = rank(fleet.whatIfCandidates(forPool: pool).filter { $0.remedy.isRestore }, pool: pool)
        }
        if atRisk == nil, ranked.first?.action == nil, settings.scaleIn, let pool = scaleInPool(baseline, fleet: fleet) {
            // Healthy, nothing to restore: whether the pool with the most room can do with fewer replicas.
            ranked = rank(fleet.scaleInCandidates(forPool: pool), pool: pool)
        }
        if ranked.isEmpty {
            let pool = snapshot.pools.first?.id ?? ""
            ranked = RecommendationRanking.rank([baseline], pool: pool, horizon: horizon,
                                                intervals: [MonteCarloRuns(baselineRuns).interval(pool: pool)])
        }
        let bestRemedy = ranked.first.flatMap { $0.action == nil ? nil : Remedy($0.action) }
        // A breach sooner than a cold start leaves no time for a second opinion.
        let urgent = ranked.first.map { r in warnings.contains { $0.pool == r.pool } } ?? false
        let remedy = hysteresis.update(best: bestRemedy, urgent: urgent)
        // The active remedy with this round's figures; a round about another pool shows none.
        active = remedy.flatMap { r in ranked.first { Remedy($0.action) == r } }

        if settings.routingRetrainRounds > 0, routing == nil || rounds % settings.routingRetrainRounds == 0 {
            routing = RoutingClassifier.evaluate(fleet: fleet, seed: seed)
        }
        let fresh = warnings.filter { !warned.contains($0.pool) }
        warned = Set(warnings.map(\.pool))
        return (FleetAdvice(time: snapshot.time, horizon: horizon, forecasts: forecasts, recommendations: ranked,
                            active: active, warnings: warnings, routing: routing, roundSeconds: clock.now - started), fresh)
    }

    /// A round on a watched fleet: the twin refitted to the last window and forked for the
    /// what-ifs, its predictions and what it could not model in the advice. Without a twin, or
    /// before it can model any pool, forecasts only.
    public func round(twin: FleetTwin?, snapshot: FleetSnapshot, clock: any FleetClock = WallClock())
        -> (advice: FleetAdvice, newWarnings: [EarlyWarning]) {
        let started = clock.now
        let fleet = twin?.calibrate()
        var (advice, fresh) = round(fleet: fleet, snapshot: snapshot, clock: clock)
        advice.roundSeconds = clock.now - started
        guard let twin else { return (advice, fresh) }
        advice.twin = twin.reports
        let waiting = twin.unmodelled.map { "\($0.pool): \($0.reason)" }
        if fleet == nil {
            advice.note = "twin: " + (waiting.isEmpty ? "calibrating (no pool with load and a time per output token yet)" : waiting.joined(separator: "; "))
        } else if !waiting.isEmpty {
            advice.note = "twin cannot model " + waiting.joined(separator: "; ")
        }
        return (advice, fresh)
    }

    /// The seeds of a round's Monte Carlo: the round's own first (so one seed is the round as
    /// it was before there were several), then others drawn from it. Every candidate gets the
    /// same ones: common random numbers, so candidates differ by their action, not by luck.
    func seeds(from seed: UInt64, count: Int) -> [UInt64] {
        (0..<max(1, count)).map { k in k == 0 ? seed : seed &+ UInt64(k) &* 0xD1B5_4A32_D192_ED03 }
    }

    /// One candidate played once per seed.
    func playSeeds(_ c: WhatIfCandidate, fleet: FleetSimulator, path: ArrivalPath, horizon: Double, seed: UInt64,
                   count: Int) -> [WhatIfOutcome] {
        seeds(from: seed, count: count).map { fleet.whatIf(c, path: path, horizon: horizon, seed: $0, watchBreaches: true) }
    }

    /// Every candidate played forward from `fleet` under `path`, with the round's seed.
    public func whatIfs<C: Collection<WhatIfCandidate>>(_ candidates: C, fleet: FleetSimulator, path: ArrivalPath,
                                                       horizon: Double, seed: UInt64) -> [WhatIfOutcome] {
        var out: [WhatIfOutcome] = []
        for c in candidates {
            if shouldStop() { break }
            out.append(fleet.whatIf(c, path: path, horizon: horizon, seed: seed, watchBreaches: true))
        }
        return out
    }

    /// The operator applied `action`: if it acts on what the active recommendation does (the
    /// same kind of action on the same pool, whatever its size), the recommendation is done.
    public func acknowledge(_ action: OperatorAction) {
        if case let .scale(pool, delta) = action, delta > 0 { scaledUpAt[pool] = now }
        guard let current = active?.action, Self.sameRemedy(current, action) else { return }
        hysteresis.acknowledge()
        active = nil
    }

    static func sameRemedy(_ a: OperatorAction, _ b: OperatorAction) -> Bool { Remedy(a) == Remedy(b) }

    /// The GPU pool a healthy round asks about removing replicas from: the costliest of those
    /// with two or more live replicas whose baseline keeps the scale-in headroom. Nil when none
    /// has room to spare, before the forecast has a quarter hour of history, for a pool
    /// scaled up within the cooldown, and for one with a replica still cold-starting.
    func scaleInPool(_ baseline: WhatIfOutcome, fleet: FleetSimulator) -> String? {
        guard baseline.firstBreach == nil, RecommendationRanking.meetsSLO(baseline),
              forecaster.observedSeconds >= settings.scaleInWarmup else { return nil }
        var best: (id: String, cost: Double)?
        for p in fleet.pools {
            guard case .gpu = p.spec.kind, p.slice == nil, !p.spec.objectives.isEmpty, !fleet.scaleInCandidates(forPool: p.spec.id).isEmpty,
                  now - (scaledUpAt[p.spec.id] ?? -.infinity) >= settings.scaleInCooldown,
                  !p.nodeIndices.contains(where: { fleet.nodes[$0].state == .down && fleet.nodes[$0].stateReason?.hasPrefix("starting") == true }),
                  RecommendationRanking.hasHeadroom(baseline.report, pool: p.spec.id, factor: RecommendationRanking.scaleInHeadroom)
            else { continue }
            if best == nil || p.dollarsPerHour > best!.cost { best = (p.spec.id, p.dollarsPerHour) }
        }
        return best?.id
    }

    /// The first pool with a degrade mode on, for a round on a healthy fleet.
    func degradedPool(_ fleet: FleetSimulator) -> String? {
        fleet.pools.first { !$0.degradeModes.isEmpty }?.spec.id
    }

    /// The pool whose objectives the baseline misses most, else the first to breach; nil when
    /// the fleet meets every objective over the horizon.
    func poolAtRisk(_ baseline: WhatIfOutcome) -> String? {
        let short = baseline.report.pools.map { p in
            (p.pool, p.slo.reduce(0.0) { $0 + RecommendationRanking.shortfall($1, decided: p.completed + p.shed - p.refused) })
        }.filter { $0.1 > 0 }
        return short.max { $0.1 < $1.1 }?.0 ?? baseline.firstBreach?.pool
    }

    /// A breach the forecast shows sooner than the pool's cold start (plus a round, the
    /// advisor's own reaction time): after that, a new replica arrives too late.
    func earlyWarnings(_ baseline: WhatIfOutcome, fleet: FleetSimulator) -> [EarlyWarning] {
        guard let breach = baseline.firstBreach,
              let spec = fleet.scenario.pools.first(where: { $0.id == breach.pool }) else { return [] }
        let cold = FleetSimulator.coldStart(spec)
        guard breach.after <= cold + settings.roundInterval else { return [] }
        let o = breach.objective
        let message = "forecast: \(breach.pool) breaches \(o.metric.rawValue) p\(o.percentile) < \(Format.latency(o.target)) "
            + "in ~\(Format.duration(breach.after)); a new replica takes ~\(Format.duration(cold)): act now"
        return [EarlyWarning(pool: breach.pool, objective: o, breachIn: breach.after, coldStart: cold, message: message)]
    }
}

import FleetCore

/// Orders what-if outcomes: the best SLO attainment first; among the candidates that reach
/// it (within `tolerance`), those with headroom before the ones that just scrape by, then the
/// least risky, then the cheapest. "Do nothing" is free and harmless, so it wins whenever it
/// is as good as anything else: the advisor acts only when acting changes the outcome.
public enum RecommendationRanking {
    /// Attainment points (0...1) within which two outcomes count as equally good.
    public static let tolerance = 0.005
    /// A pool "scrapes by" when its predicted quantile is above this share of the target: a
    /// forecast a little low would breach it, so a remedy with room is preferred.
    public static let headroom = 0.9
    /// A scale-in must leave more room than that: the replicas that remain absorb the
    /// forecast load with a quarter to spare, or a flat load needing 1.5 replicas would flap
    /// between 1 and 2 (`aFlatLoadBetweenOneAndTwoReplicasDoesNotFlap`).
    public static let scaleInHeadroom = 0.85

    /// Whether `pool`'s predicted latencies are within `factor` of every objective (p90
    /// objectives read the p95, the nearest kept above).
    static func hasHeadroom(_ r: SimulationReport, pool: String, factor: Double = headroom) -> Bool {
        guard let p = r.pools.first(where: { $0.pool == pool }) else { return true }
        return p.slo.allSatisfy { s in
            guard let q = s.metric == "ttft" ? p.ttft : p.e2e else { return true }
            let value = s.percentile >= 99 ? q.p99 : s.percentile >= 90 ? q.p95 : q.p50
            return value <= s.targetSeconds * factor
        }
    }

    /// Sum over every pool and objective of how far attainment falls short of the objective's
    /// percentile, beyond what chance explains (0 when all are met).
    public static func shortfall(_ r: SimulationReport) -> Double {
        r.pools.reduce(0) { acc, p in acc + p.slo.reduce(0) { $0 + shortfall($1, decided: p.completed + p.shed - p.refused) } }
    }

    /// How far an objective's attainment falls below its percentile, less two binomial standard
    /// errors: a quiet pool's fifty requests say little about its p95, and the advisor acts on
    /// evidence, not on the luck of a few long answers.
    static func shortfall(_ s: SimulationReport.SLOResult, decided: Int) -> Double {
        let target = Double(s.percentile) / 100
        let noise = 2 * (target * (1 - target) / Double(max(1, decided))).squareRoot()
        return max(0, target - s.attainment - noise)
    }

    /// Request-weighted share of requests within every objective of their pool.
    public static func attainment(_ r: SimulationReport) -> Double {
        let total = r.pools.reduce(0) { $0 + $1.requests }
        guard total > 0 else { return 1 }
        return r.pools.reduce(0) { $0 + Double($1.requests) * ($1.slo.map(\.attainment).min() ?? 1) } / Double(total)
    }

    public static func meetsSLO(_ r: SimulationReport) -> Bool {
        r.pools.allSatisfy { p in p.slo.allSatisfy { shortfall($0, decided: p.completed + p.shed - p.refused) == 0 } }
    }

    /// Met over the horizon as a whole, and never breached on the way (the console's verdict
    /// over a sliding minute): an operator judges by what the screen shows.
    public static func meetsSLO(_ o: WhatIfOutcome) -> Bool { meetsSLO(o.report) && o.firstBreach == nil }

    /// What a candidate costs over doing nothing. API tiers count only for a candidate that
    /// sends traffic to another tier: otherwise their bill differs between forks by the luck of
    /// which requests went there (a busy API tier's hour costs thousands, so its noise would
    /// swamp the price of a replica).
    static func costDelta(_ o: WhatIfOutcome, against baseline: WhatIfOutcome) -> Double {
        let movesTraffic: Bool
        switch o.candidate.action {
        case .degrade(_, .apiFallback, _)?, .degrade(_, .smallerModel, _)?, .shift?: movesTraffic = true
        default: movesTraffic = false
        }
        func cost(_ r: SimulationReport) -> Double {
            r.pools.reduce(0) { $0 + ($1.kind == "gpu" || movesTraffic ? $1.costUSD : 0) }
        }
        return cost(o.report) - cost(baseline.report)
    }

    /// The outcomes ranked, failed candidates left out, as recommendations against the first
    /// outcome with no action (the baseline).
    public static func rank(_ outcomes: [WhatIfOutcome], pool: String, horizon: Double,
                            intervals: [PredictionInterval?]? = nil) -> [Recommendation] {
        let keep = outcomes.indices.filter { outcomes[$0].failure == nil }
        let usable = keep.map { outcomes[$0] }
        let spread = keep.map { intervals?[$0] ?? nil }
        guard let baseline = usable.first(where: { $0.candidate.action == nil }) else { return [] }
        let shortfalls = usable.map { shortfall($0.report) }
        let best = shortfalls.min() ?? 0
        let anyMeets = usable.contains { meetsSLO($0) }
        func sufficient(_ i: Int) -> Bool {
            shortfalls[i] <= best + tolerance && (meetsSLO(usable[i]) || !anyMeets)
        }
        let order = usable.indices.sorted { a, b in
            let (sa, sb) = (sufficient(a), sufficient(b))
            if sa != sb { return sa }
            if !sa { return shortfalls[a] != shortfalls[b] ? shortfalls[a] < shortfalls[b] : a < b }
            // Doing nothing that is good enough stays first: headroom is a reason to pick one
            // remedy over another, not to act on a fleet that meets its objectives.
            func roomy(_ i: Int) -> Bool {
                let c = usable[i].candidate
                return c.action == nil || hasHeadroom(usable[i].report, pool: pool, factor: c.isScaleIn ? scaleInHeadroom : headroom)
            }
            let (ha, hb) = (roomy(a), roomy(b))
            if ha != hb { return ha }
            let (ra, rb) = (usable[a].candidate.risk, usable[b].candidate.risk)
            if ra != rb { return ra < rb }
            let (ca, cb) = (costDelta(usable[a], against: baseline), costDelta(usable[b], against: baseline))
            if abs(ca - cb) > 1e-9 { return ca < cb }
            return a < b
        }
        let base = baseline.report.pools.first { $0.pool == pool }
        return order.map { i in
            let o = usable[i]
            let p = o.report.pools.first { $0.pool == pool }
            let delta = costDelta(o, against: baseline) / max(horizon, 1) * 3600
            return Recommendation(action: o.candidate.action, title: o.candidate.title, pool: pool,
                                  attainment: attainment(o.report), meetsSLO: meetsSLO(o),
                                  e2eP95: p?.e2e?.p95, ttftP95: p?.ttft?.p95, queuePeak: p?.queuePeak ?? 0,
                                  shed: o.report.pools.reduce(0) { $0 + $1.shed }, costDeltaPerHour: delta,
                                  timeToEffect: o.candidate.timeToEffect, risk: o.candidate.risk,
                                  why: why(o, base: base, pool: p, sufficient: sufficient(i), delta: delta), interval: spread[i])
        }
    }

    static func why(_ o: WhatIfOutcome, base: SimulationReport.Pool?, pool: SimulationReport.Pool?, sufficient: Bool,
                    delta: Double) -> String {
        var parts: [String] = []
        if o.candidate.action == nil {
            if let b = o.firstBreach {
                parts.append("\(b.pool) breaches \(b.objective.metric.rawValue) p\(b.objective.percentile) in ~\(Format.duration(b.after))")
            } else {
                parts.append(meetsSLO(o) ? "every SLO met as things are"
                             : "SLO missed: \(Format.percent(attainment(o.report))) of requests within target")
            }
        } else {
            parts.append("p95 \(Format.latency(base?.e2e?.p95)) -> \(Format.latency(pool?.e2e?.p95))"
                         + (o.candidate.timeToEffect > 0 ? " in ~\(Format.duration(o.candidate.timeToEffect))" : ""))
            parts.append("\(Format.percent(attainment(o.report))) within SLO")
            if abs(delta) >= 0.005 { parts.append(Format.dollarDelta(delta) + "/h") }
        }
        if sufficient && o.candidate.risk > .harmless { parts.append("harms users: risk \(o.candidate.risk.rawValue)") }
        if !sufficient { parts.append("falls short of the best") }
        return parts.joined(separator: "; ")
    }
}

/// Keeps the advisor from flapping: a remedy becomes the active recommendation only after it
/// has been best for `confirmRounds` rounds in a row, and is withdrawn only after "do
/// nothing" has been best for `clearRounds` in a row. Remedies are compared by family, so a
/// round preferring +4 to +2 does not count as a change of mind.
public struct RecommendationHysteresis<Family: Hashable & Sendable>: Sendable, Equatable {
    public let confirmRounds: Int
    public let clearRounds: Int
    public private(set) var active: Family?
    private var challenger: Family?
    private var challengerRounds = 0
    private var calmRounds = 0

    public init(confirmRounds: Int = 2, clearRounds: Int = 3) {
        self.confirmRounds = confirmRounds
        self.clearRounds = clearRounds
    }

    /// This round's best family (nil when doing nothing is best); returns the active family.
    /// `urgent` (a breach sooner than a cold start) confirms a remedy at once.
    public mutating func update(best: Family?, urgent: Bool = false) -> Family? {
        guard let best else {
            challenger = nil
            challengerRounds = 0
            calmRounds += 1
            if calmRounds >= clearRounds { active = nil }
            return active
        }
        calmRounds = 0
        if best == active {
            challenger = nil
            challengerRounds = 0
            return active
        }
        challengerRounds = best == challenger ? challengerRounds + 1 : 1
        challenger = best
        if challengerRounds >= confirmRounds || urgent {
            active = best
            challenger = nil
            challengerRounds = 0
        }
        return active
    }

    /// The operator applied the active recommendation: it is done, not offered again.
    public mutating func acknowledge() {
        active = nil
        challenger = nil
        challengerRounds = 0
    }
}

/// What the scheduler model's advisor concluded in its last round: a load forecast per pool,
/// ranked what-if outcomes, early warnings and the routing classifier's report. Produced off
/// the render thread; screens only read it.
public struct FleetAdvice: Sendable, Equatable {
    /// Source time of the snapshot the round started from.
    public var time: Double
    /// Seconds ahead each what-if ran.
    public var horizon: Double
    public var forecasts: [PoolForecast]
    /// Best first; the first is "do nothing" when nothing beats it.
    public var recommendations: [Recommendation]
    /// The recommendation `a` applies: the best one once it has held for the hysteresis rounds;
    /// nil when there is nothing to do.
    public var active: Recommendation?
    public var warnings: [EarlyWarning]
    public var routing: RoutingReport?
    /// Wall seconds the round took.
    public var roundSeconds: Double
    /// Why there are no what-ifs (a watched pool the twin cannot model yet), or nil.
    public var note: String?
    /// On a watched fleet, the twin's calibration and its predictions against what was
    /// observed, per pool (empty on the embedded simulator, which is its own model).
    public var twin: [TwinPoolReport] = []

    public init(time: Double, horizon: Double, forecasts: [PoolForecast], recommendations: [Recommendation],
                active: Recommendation?, warnings: [EarlyWarning], routing: RoutingReport?, roundSeconds: Double,
                note: String? = nil) {
        self.time = time; self.horizon = horizon; self.forecasts = forecasts; self.recommendations = recommendations
        self.active = active; self.warnings = warnings; self.routing = routing; self.roundSeconds = roundSeconds
        self.note = note
    }

    public func forecast(ofPool id: String) -> PoolForecast? { forecasts.first { $0.pool == id } }
}

/// A series' forecast: the mean and a band, one point per `step` seconds after the snapshot.
public struct ForecastBand: Sendable, Equatable {
    public var step: Double
    public var mean: [Double]
    public var lower: [Double]
    public var upper: [Double]

    public init(step: Double, mean: [Double], lower: [Double], upper: [Double]) {
        self.step = step; self.mean = mean; self.lower = lower; self.upper = upper
    }

    public var horizon: Double { step * Double(mean.count) }
}

public struct PoolForecast: Sendable, Equatable {
    public var pool: String
    /// Requests/s offered to the pool.
    public var arrivalRate: ForecastBand
    /// Requests waiting in the pool's queues.
    public var waiting: ForecastBand
    /// Mean KV-cache use of the pool's nodes, 0...1 (empty for an API tier).
    public var kvCacheUsage: ForecastBand

    public init(pool: String, arrivalRate: ForecastBand, waiting: ForecastBand, kvCacheUsage: ForecastBand) {
        self.pool = pool; self.arrivalRate = arrivalRate; self.waiting = waiting; self.kvCacheUsage = kvCacheUsage
    }
}

/// One candidate's predicted outcome over the what-if horizon.
public struct Recommendation: Sendable, Equatable {
    /// Nil for "do nothing".
    public var action: OperatorAction?
    public var title: String
    /// The pool the round was about.
    public var pool: String
    /// Share of the fleet's requests within every objective of their pool, 0...1.
    public var attainment: Double
    /// Whether every pool meets every objective over the horizon.
    public var meetsSLO: Bool
    public var e2eP95: Double?
    public var ttftP95: Double?
    public var queuePeak: Int
    public var shed: Int
    /// Against doing nothing, $/h.
    public var costDeltaPerHour: Double
    /// Seconds before the action changes anything (a new replica's cold start).
    public var timeToEffect: Double
    public var risk: RemedyRisk
    /// Why it ranks where it does, in words.
    public var why: String
    /// How far the prediction moves over the seeds it was played with; nil for one seed.
    public var interval: PredictionInterval?

    public init(action: OperatorAction?, title: String, pool: String, attainment: Double, meetsSLO: Bool, e2eP95: Double?,
                ttftP95: Double?, queuePeak: Int, shed: Int, costDeltaPerHour: Double, timeToEffect: Double, risk: RemedyRisk,
                why: String, interval: PredictionInterval? = nil) {
        self.action = action; self.title = title; self.pool = pool; self.attainment = attainment; self.meetsSLO = meetsSLO
        self.e2eP95 = e2eP95; self.ttftP95 = ttftP95; self.queuePeak = queuePeak; self.shed = shed
        self.costDeltaPerHour = costDeltaPerHour; self.timeToEffect = timeToEffect; self.risk = risk; self.why = why
        self.interval = interval
    }
}

/// A candidate's prediction over several seeds (Monte Carlo: the same action under other
/// draws of the same forecast load): the least and the most each figure came to. The ranking
/// reads the median seed; the interval says how much to trust it.
public struct PredictionInterval: Sendable, Equatable {
    public var seeds: Int
    public var attainment: ClosedRange<Double>
    public var e2eP95: ClosedRange<Double>?
    public var ttftP95: ClosedRange<Double>?

    public init(seeds: Int, attainment: ClosedRange<Double>, e2eP95: ClosedRange<Double>?, ttftP95: ClosedRange<Double>?) {
        self.seeds = seeds; self.attainment = attainment; self.e2eP95 = e2eP95; self.ttftP95 = ttftP95
    }

    /// The range of values, nil when any seed had none.
    public static func range(_ values: [Double?]) -> ClosedRange<Double>? {
        let known = values.compactMap { $0 }
        guard known.count == values.count, let lo = known.min(), let hi = known.max() else { return nil }
        return lo...hi
    }

    /// "1.10s–1.40s" for a latency range.
    public static func latencyText(_ r: ClosedRange<Double>?) -> String {
        guard let r else { return "-" }
        return Format.latency(r.lowerBound) + "–" + Format.latency(r.upperBound)
    }
}

/// The forecast shows `pool` breaching an objective sooner than a new replica could start.
public struct EarlyWarning: Sendable, Equatable {
    public var pool: String
    public var objective: SLOObjective
    /// Seconds from the round's snapshot to the predicted breach.
    public var breachIn: Double
    /// The pool's cold start: act before this much time is left.
    public var coldStart: Double
    public var message: String

    public init(pool: String, objective: SLOObjective, breachIn: Double, coldStart: Double, message: String) {
        self.pool = pool; self.objective = objective; self.breachIn = breachIn; self.coldStart = coldStart; self.message = message
    }
}

/// The routing classifier's standing: how often it picks the simulator's best tier, and what
/// its routes cost against the fleet's static split.
public struct RoutingReport: Sendable, Equatable {
    public var model: String
    public var trainedOn: Int
    public var heldOut: Int
    /// Share of held-out requests routed to the simulator's best tier, 0...1.
    public var agreement: Double
    /// Per million requests: static split minus the classifier's routes.
    public var savedPerMillion: Double
    /// The same as a share of the static split's cost.
    public var savedShare: Double
    /// Held-out requests over their SLO: static split, classifier.
    public var staticMissRate: Double
    public var classifierMissRate: Double
    /// Share of held-out requests the classifier sends to each tier.
    public var tierShares: [(tier: String, share: Double)]

    public init(model: String, trainedOn: Int, heldOut: Int, agreement: Double, savedPerMillion: Double, savedShare: Double,
                staticMissRate: Double, classifierMissRate: Double, tierShares: [(tier: String, share: Double)]) {
        self.model = model; self.trainedOn = trainedOn; self.heldOut = heldOut; self.agreement = agreement
        self.savedPerMillion = savedPerMillion; self.savedShare = savedShare; self.staticMissRate = staticMissRate
        self.classifierMissRate = classifierMissRate; self.tierShares = tierShares
    }

    /// "saves $X per 1M requests (Y%)", or what it costs more, against the static split.
    public var savingsText: String {
        let what = savedPerMillion >= 0 ? "saves" : "costs"
        let tail = savedPerMillion >= 0 ? "" : " more"
        return "\(what) \(Format.dollars(abs(savedPerMillion))) per 1M requests (\(Format.percent(abs(savedShare))))\(tail) against the static split"
    }

    public static func == (a: RoutingReport, b: RoutingReport) -> Bool {
        a.model == b.model && a.trainedOn == b.trainedOn && a.heldOut == b.heldOut && a.agreement == b.agreement
            && a.savedPerMillion == b.savedPerMillion && a.savedShare == b.savedShare && a.staticMissRate == b.staticMissRate
            && a.classifierMissRate == b.classifierMissRate
            && a.tierShares.map(\.tier) == b.tierShares.map(\.tier) && a.tierShares.map(\.share) == b.tierShares.map(\.share)
    }
}

/// Implemented by the advisor; the console reads its newest round and tells it when the
/// operator applied a recommendation (so it is not offered twice).
public protocol AdvisorFeed: Sendable {
    func latestAdvice() -> FleetAdvice?
    func acknowledge(_ action: OperatorAction)
}

/// What a remedy costs the users beyond money, least first; the raw value is the figure the
/// Scheduler screen and `fleetdeck advise` print.
public enum RemedyRisk: Int, Sendable, Comparable, Codable {
    /// More replicas, restoring a mode: nobody is worse off.
    case harmless = 0
    /// Another tier answers (a reroute, the API fallback).
    case anotherTier = 1
    /// Worse answers (a smaller model, capped output).
    case worseAnswers = 2
    /// Low-priority requests are refused.
    case refusesLowPriority = 3
    /// Every cache miss is refused.
    case refusesCacheMisses = 4

    /// The risk of switching `mode` on.
    public init(_ mode: DegradeMode) {
        switch mode {
        case .apiFallback: self = .anotherTier
        case .smallerModel, .capMaxTokens: self = .worseAnswers
        case .shedLowPriority: self = .refusesLowPriority
        case .cacheOnly: self = .refusesCacheMisses
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A pair of windows over which an objective's error budget must burn faster than `factor`
/// times the sustainable rate for the alert to fire: the long window says the burn is real,
/// the short one that it is still going on (so the alert resets minutes after the burn stops).
/// The SRE workbook's recommended three (chapter 5, "Alerting on SLOs", for a 30-day budget):
/// 2% of it gone in an hour pages, 5% in six hours pages, 10% in three days opens a ticket.
public struct BurnRateWindow: Sendable, Equatable {
    public var long: Double
    public var short: Double
    public var factor: Double
    public var severity: AlertSeverity

    public init(long: Double, short: Double, factor: Double, severity: AlertSeverity) {
        self.long = long; self.short = short; self.factor = factor; self.severity = severity
    }

    public static let workbook: [BurnRateWindow] = [
        BurnRateWindow(long: 3600, short: 300, factor: 14.4, severity: .page),
        BurnRateWindow(long: 6 * 3600, short: 1800, factor: 6, severity: .page),
        BurnRateWindow(long: 3 * 86_400, short: 6 * 3600, factor: 1, severity: .ticket),
    ]
}

/// One objective's error budget as the alerts screen and a pool's detail show it.
public struct ErrorBudgetStatus: Codable, Sendable, Equatable {
    /// The windows `burnRates` are given over: 5 min, 30 min, 1 h, 6 h, 3 d.
    public static let windows: [Double] = [300, 1800, 3600, 6 * 3600, 3 * 86_400]

    public var pool: String
    public var objective: SLOObjective
    /// The share of requests allowed to miss: 5% for a p95 objective, the target itself for
    /// an error rate.
    public var budget: Double
    /// Seconds of traffic the ledger holds (at most three days).
    public var covered: Double
    public var requests: Double
    /// Good requests over all of them in `covered`; nil before any.
    public var attainment: Double?
    /// The budget left over `covered`: 1 untouched, 0 spent, below 0 overspent.
    public var remaining: Double?
    /// The burn rate over each of `windows` (1 is the sustainable rate); nil without requests.
    public var burnRates: [Double?]

    public init(pool: String, objective: SLOObjective, budget: Double, covered: Double, requests: Double,
                attainment: Double?, remaining: Double?, burnRates: [Double?]) {
        self.pool = pool; self.objective = objective; self.budget = budget; self.covered = covered
        self.requests = requests; self.attainment = attainment; self.remaining = remaining; self.burnRates = burnRates
    }

    public func burnRate(over window: Double) -> Double? {
        Self.windows.firstIndex(of: window).flatMap { $0 < burnRates.count ? burnRates[$0] : nil }
    }
}

/// An objective's good and bad requests by the minute, for three days in fixed memory (a
/// ring of 4,321 minutes, 69 KB): what burn rates over 5 minutes to 3 days are read from.
public struct ErrorBudgetLedger: Sendable {
    public static let minutes = 3 * 24 * 60 + 1
    private var total: [Double]
    private var bad: [Double]
    /// The minute (time / 60, floored) the newest bucket holds; nil before the first sample.
    private var newestMinute: Int?
    private var firstTime: Double?
    private var newestTime = 0.0

    public init() {
        total = Array(repeating: 0, count: Self.minutes)
        bad = Array(repeating: 0, count: Self.minutes)
    }

    /// `requests` finished at `time`, `badShare` of them missing the objective.
    public mutating func add(requests: Double, badShare: Double, at time: Double) {
        guard requests.isFinite, requests >= 0, badShare.isFinite, time.isFinite, abs(time) < 1e15 else { return }
        let minute = Int((time / 60).rounded(.down))
        if let newest = newestMinute {
            guard minute >= newest else { return }   // time went back (a restarted source): ignore
            // Empty the minutes skipped over, at most the whole ring.
            if minute > newest {
                for m in (newest + 1)...(newest + min(minute - newest, Self.minutes)) {
                    let i = Self.slot(m)
                    total[i] = 0; bad[i] = 0
                }
            }
        }
        newestMinute = minute
        if firstTime == nil { firstTime = time }
        newestTime = time
        let i = Self.slot(minute)
        total[i] += requests
        bad[i] += requests * min(1, max(0, badShare))
    }

    /// Requests and bad ones over the last `seconds` (whole minutes, the current one included).
    public func counts(over seconds: Double) -> (total: Double, bad: Double) {
        guard let newest = newestMinute else { return (0, 0) }
        let span = min(Self.minutes, max(1, Int((seconds / 60).rounded(.up))))
        var t = 0.0, b = 0.0
        for m in (newest - span + 1)...newest {
            let i = Self.slot(m)
            t += total[i]; b += bad[i]
        }
        return (t, b)
    }

    /// The bad share over `seconds` against `budget`; nil without requests.
    public func burnRate(over seconds: Double, budget: Double) -> Double? {
        let c = counts(over: seconds)
        return c.total > 0 && budget > 0 ? c.bad / c.total / budget : nil
    }

    /// Seconds of traffic held, at most the ring's three days.
    public var covered: Double {
        guard let first = firstTime else { return 0 }
        return min(newestTime - first, Double(Self.minutes - 1) * 60)
    }

    private static func slot(_ minute: Int) -> Int { ((minute % minutes) + minutes) % minutes }

    /// The share of a window's requests over `objective`'s target, read from the window's
    /// quantiles (all a source hands on): interpolated between the known points (p50 is 50%
    /// over, p90 10%, p95 5%, p99 1%), falling to none at twice the p99 and rising to all at
    /// zero. Exact at the quantiles, an estimate between them; nil without figures. An error
    /// rate objective's bad share is the error rate.
    public static func badShare(of objective: SLOObjective, in signals: LatencySignals) -> Double? {
        if objective.metric == .errorRate { return signals.errorRate }
        guard let q = signals[objective.metric] else { return nil }
        let points = [(q.p50, 0.5), (q.p90, 0.1), (q.p95, 0.05), (q.p99, 0.01)]
            .compactMap { v, share in v.flatMap { $0.isFinite ? ($0, share) : nil } }
        guard let first = points.first, let last = points.last else { return nil }
        let t = objective.target
        var curve = [(0.0, 1.0)] + points + [(last.0 * 2, 0.0)]
        if first.0 <= 0 { curve.removeFirst() }
        if t <= curve[0].0 { return curve[0].1 }
        for (a, b) in zip(curve, curve.dropFirst()) where t <= b.0 {
            guard b.0 > a.0 else { return b.1 }
            return a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0)
        }
        return 0
    }

    /// The share an objective may miss: what is left of 100% at its percentile, or for an
    /// error rate its target. A mean has no budget (nil): a mean is not a count of requests.
    public static func budget(of objective: SLOObjective) -> Double? {
        if objective.metric == .errorRate { return objective.target }
        return objective.percentile == 0 ? nil : Double(100 - objective.percentile) / 100
    }
}

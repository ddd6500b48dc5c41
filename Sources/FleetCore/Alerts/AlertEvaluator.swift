import Foundation

/// The alert rules and the burn-rate alerts, judged tick by tick on a fleet's snapshots: which
/// alerts are pending and firing, each objective's error budget, and what fired or resolved on
/// this tick. Pure state, no clock of its own: time is the snapshots'.
public struct AlertEvaluator: Sendable {
    /// An alert that fired (`fired`) or resolved on this tick.
    public struct Transition: Sendable, Equatable {
        public var alert: FleetAlert
        public var fired: Bool
        /// When it resolved, how long it had fired.
        public var firedFor: Double?

        /// The events-log line, at `time` on the source's clock.
        public func event(at time: Double) -> FleetEvent {
            let a = alert
            return fired
                ? FleetEvent(time: time, severity: a.eventSeverity, kind: .alert,
                             message: "alert \(a.name) firing on \(a.pool): \(a.summary) [\(a.severity.rawValue)]", pool: a.pool)
                : FleetEvent(time: time, severity: .info, kind: .alertResolved,
                             message: "alert \(a.name) resolved on \(a.pool)" + (firedFor.map { " after \(Format.duration($0))" } ?? ""),
                             pool: a.pool)
        }
    }

    /// Fewer requests than this in a burn-rate alert's short window and it gives no verdict
    /// (as an SLO breach needs 20 in its window).
    public static let minimumRequestsForBurn = 20.0
    /// A gap between snapshots longer than this counts as this much traffic, not more: a
    /// source that stalled for an hour has not served an hour of requests at its last rate.
    static let longestTick = 60.0

    public var settings: AlertSettings
    private var active: [String: FleetAlert] = [:]
    private var ledgers: [String: ErrorBudgetLedger] = [:]
    private var lastTime: Double?

    public init(settings: AlertSettings) { self.settings = settings }

    /// One tick: the alerts now pending or firing (in rule order, then pool order), every
    /// objective's budget, and the transitions.
    public mutating func evaluate(_ snapshot: FleetSnapshot) -> (alerts: [FleetAlert], budgets: [ErrorBudgetStatus], transitions: [Transition]) {
        let now = snapshot.time
        let dt = lastTime.map { min(Self.longestTick, max(0, now - $0)) } ?? 0
        lastTime = now
        var next: [String: FleetAlert] = [:]
        var order: [String] = []

        for rule in settings.rules {
            for pool in snapshot.pools where rule.pools?.contains(pool.id) ?? true {
                guard let value = rule.signal.value(ofPool: pool.id, in: snapshot), value.isFinite,
                      rule.comparison.holds(value, rule.threshold) else { continue }
                let summary = "\(rule.signal.name) \(rule.signal.formatted(value)) \(rule.comparison.rawValue) \(rule.signal.formatted(rule.threshold))"
                    + (rule.forSeconds > 0 ? " for \(Format.duration(rule.forSeconds))" : "")
                let candidate = FleetAlert(name: rule.name, pool: pool.id, severity: rule.severity, state: .pending,
                                           since: now, summary: summary)
                let alert = carried(candidate, holdFor: rule.forSeconds, now: now)
                next[alert.id] = alert
                order.append(alert.id)
            }
        }

        var budgets: [ErrorBudgetStatus] = []
        var keptLedgers = Set<String>()
        for latency in snapshot.latency {
            guard let pool = snapshot.pool(latency.pool) else { continue }
            let signals = LatencySignals(ttft: latency.ttft, e2e: latency.e2e, tpot: latency.tpot, queueTime: latency.queueTime,
                                         errorRate: pool.errorRate)
            for objective in latency.objectives {
                guard let budget = ErrorBudgetLedger.budget(of: objective) else { continue }
                let key = "\(pool.id)|\(objective.title)|\(objective.target)"
                keptLedgers.insert(key)
                var ledger = ledgers[key] ?? ErrorBudgetLedger()
                if dt > 0, let share = ErrorBudgetLedger.badShare(of: objective, in: signals) {
                    ledger.add(requests: pool.completionRate * dt, badShare: share, at: now)
                }
                ledgers[key] = ledger
                let whole = ledger.counts(over: ledger.covered)
                let attainment = whole.total > 0 ? 1 - whole.bad / whole.total : nil
                budgets.append(ErrorBudgetStatus(
                    pool: pool.id, objective: objective, budget: budget, covered: ledger.covered, requests: whole.total,
                    attainment: attainment, remaining: attainment.map { 1 - (1 - $0) / budget },
                    burnRates: ErrorBudgetStatus.windows.map { ledger.burnRate(over: $0, budget: budget) }))
                guard settings.burnRate, let alert = burnAlert(pool: pool.id, objective: objective, budget: budget, ledger: ledger, now: now)
                else { continue }
                next[alert.id] = alert
                order.append(alert.id)
            }
        }
        ledgers = ledgers.filter { keptLedgers.contains($0.key) }

        var transitions: [Transition] = []
        for id in order where next[id]!.state == .firing && active[id]?.state != .firing {
            transitions.append(Transition(alert: next[id]!, fired: true))
        }
        for (id, old) in active.sorted(by: { $0.key < $1.key }) where old.state == .firing && next[id] == nil {
            transitions.append(Transition(alert: old, fired: false, firedFor: now - old.since))
        }
        active = next
        return (order.map { next[$0]! }, budgets, transitions)
    }

    /// A condition holding on this tick, pending until it has held `holdFor` seconds; an alert
    /// already pending or firing keeps its start.
    private func carried(_ candidate: FleetAlert, holdFor: Double, now: Double) -> FleetAlert {
        var a = candidate
        if let old = active[a.id] {
            a.since = old.since
            if old.state == .firing { a.state = .firing; return a }
        }
        if now - a.since >= holdFor {
            a.state = .firing
            a.since = now
        }
        return a
    }

    /// The loudest workbook window whose long and short burn rates both exceed its factor.
    private func burnAlert(pool: String, objective: SLOObjective, budget: Double, ledger: ErrorBudgetLedger, now: Double) -> FleetAlert? {
        for w in BurnRateWindow.workbook {
            guard ledger.counts(over: w.short).total >= Self.minimumRequestsForBurn,
                  let long = ledger.burnRate(over: w.long, budget: budget), long > w.factor,
                  let short = ledger.burnRate(over: w.short, budget: budget), short > w.factor else { continue }
            let name = objective.title.replacingOccurrences(of: " ", with: "_") + "-budget"
            let summary = "\(objective.title) < \(objective.formatted(objective.target)): budget burning "
                + "\(burn(long)) over \(Format.duration(w.long)) and \(burn(short)) over \(Format.duration(w.short)) (alert at \(burn(w.factor)))"
            var a = FleetAlert(name: name, pool: pool, severity: w.severity, state: .firing, since: now, summary: summary)
            if let old = active[a.id], old.state == .firing { a.since = old.since }
            return a
        }
        return nil
    }

    private func burn(_ x: Double) -> String { x >= 100 ? "\(Int(x.rounded()))x" : "\((x * 10).rounded() / 10)x" }
}

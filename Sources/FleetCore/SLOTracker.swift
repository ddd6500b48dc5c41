/// When a pool's objectives are breached and met again: the one rule every source uses (the
/// simulator and the scrape, query and stream aggregators), so a watched fleet's SLO events
/// and a simulated one's mean the same thing. Like an alert rule's `for:`, a condition must
/// hold for some samples before it is reported; a breached objective is met again only below
/// a margin under its target, so a quantile hovering at the line does not flood the log; and
/// a window with few samples gives no verdict.
public struct SLOTracker: Sendable {
    /// Fewer samples than this in the window and a quantile says little: no verdict.
    public static let minimumSamplesForVerdict = 20
    /// A breached objective counts as met again only below this fraction of its target.
    public static let recoveryMargin = 0.95
    /// Samples (one per tick) a condition must hold before it is reported.
    public static let breachAfterSamples = 5
    public static let recoverAfterSamples = 15

    /// A breach or a recovery, for the events log.
    public struct Transition: Sendable, Equatable {
        public var pool: String
        public var objective: SLOObjective
        public var breached: Bool
        public var measured: Double

        public var severity: FleetEvent.Severity { breached ? .critical : .info }
        public var kind: FleetEvent.Kind { breached ? .sloBreach : .sloRecovered }
        /// The events-log line, at `time` on the source's clock.
        public func event(at time: Double) -> FleetEvent {
            FleetEvent(time: time, severity: severity, kind: kind, message: message, pool: pool)
        }

        public var message: String {
            let o = objective
            return breached
                ? "SLO breach on \(pool): \(o.title) \(o.formatted(measured)) > \(o.formatted(o.target))"
                : "SLO met again on \(pool): \(o.title) \(o.formatted(measured)) < \(o.formatted(o.target))"
        }
    }

    private struct PoolState: Sendable {
        var objectives: [SLOObjective] = []
        var breached: [SLOObjective] = []
        /// Consecutive samples each objective has been on the other side of its state.
        var pendingFlip: [Int] = []
    }

    private var pools: [String: PoolState] = [:]

    public init() {}

    /// Forgets pools no longer watched (a fleet whose pools come from discovery changes them).
    public mutating func keep(pools ids: Set<String>) {
        pools = pools.filter { ids.contains($0.key) }
    }

    /// The objectives of `pool` breached now.
    public func breached(_ pool: String) -> [SLOObjective] { pools[pool]?.breached ?? [] }

    /// One sample of `pool`: for each objective, the quantile it names and how many requests
    /// the window holds (nil when there is no measurement). Returns what changed.
    public mutating func update(pool: String, objectives: [SLOObjective],
                                measure: (SLOObjective) -> (value: Double?, samples: Int)) -> [Transition] {
        var state = pools[pool] ?? PoolState()
        // Objectives changed (a reloaded config): start over rather than misattribute counts.
        if state.objectives != objectives {
            state.objectives = objectives
            state.pendingFlip = Array(repeating: 0, count: objectives.count)
            state.breached.removeAll { !objectives.contains($0) }
        }
        var out: [Transition] = []
        for (i, o) in objectives.enumerated() {
            let (value, samples) = measure(o)
            guard let measured = value, measured.isFinite, samples >= Self.minimumSamplesForVerdict else { continue }
            let isBreached = state.breached.contains(o)
            let flips = isBreached ? measured <= o.target * Self.recoveryMargin : measured > o.target
            state.pendingFlip[i] = flips ? state.pendingFlip[i] + 1 : 0
            if !isBreached, state.pendingFlip[i] >= Self.breachAfterSamples {
                state.breached.append(o)
                state.pendingFlip[i] = 0
                out.append(Transition(pool: pool, objective: o, breached: true, measured: measured))
            } else if isBreached, state.pendingFlip[i] >= Self.recoverAfterSamples {
                state.breached.removeAll { $0 == o }
                state.pendingFlip[i] = 0
                out.append(Transition(pool: pool, objective: o, breached: false, measured: measured))
            }
        }
        pools[pool] = state
        return out
    }
}

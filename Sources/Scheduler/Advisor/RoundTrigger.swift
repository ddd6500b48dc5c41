import FleetCore

/// Whether the next advisor round is worth its second of CPU. A round plays every candidate
/// minutes ahead; on a fleet that has not moved since the last one, it returns the last one's
/// answer, or near a decision's edge flips between two on chance alone. So unless the last
/// round is unsettled (a candidate waiting on the hysteresis, an early warning, a watched
/// fleet's twin still off what it observed), a round runs only when the fleet moved (a pool's
/// offered load over the last minute by more than chance, its nodes, its queue's order of
/// magnitude, its degrade modes, a breach), when an action was applied, or when the last round
/// is five minutes old. Loads and queues are read over the last minute, not the last tick: a
/// second's arrivals move by a third on a quiet pool by chance alone.
public struct RoundTrigger: Sendable {
    /// Source seconds after which a round runs even on a still fleet (the forecast moves).
    public static let staleAfter: Double = 300
    /// A pool's offered load over the last minute moving by this share since the last round
    /// is news, when it is also more than three standard errors of a minute's Poisson count.
    public static let loadChange = 0.15
    /// Samples (one a second) the load and the queue are averaged over.
    static let window = 60

    /// What about a pool would change a round's answer, coarsely.
    struct PoolState: Equatable {
        var nodes: Int
        var nodesUp: Int
        var degradeModes: [DegradeMode]
        /// Queued requests per serving node over the last minute, by order of magnitude: under
        /// a half, 2, 8, 32, more.
        var queueBand: Int
        var breached: Int
    }

    private var last: (time: Double, pools: [String: PoolState], load: [String: Double])?
    /// The last round's answer may change on the next on its own: its best candidate waits for
    /// the next round to confirm it, it warns of a breach, or the twin it ran on predicted the
    /// last window more than a quarter off (each round refits it).
    private var unsettled = false

    public init() {}

    static func state(of snapshot: FleetSnapshot) -> [String: PoolState] {
        Dictionary(uniqueKeysWithValues: snapshot.pools.map { p in
            let perNode = recentMean(p.history.waiting, or: Double(p.waiting)) / Double(max(1, p.nodesUp))
            let band = perNode < 0.5 ? 0 : perNode < 2 ? 1 : perNode < 8 ? 2 : perNode < 32 ? 3 : 4
            return (p.id, PoolState(nodes: p.nodes, nodesUp: p.nodesUp, degradeModes: p.degradeModes ?? [], queueBand: band,
                                    breached: snapshot.latency(ofPool: p.id)?.breached.count ?? 0))
        })
    }

    /// Whether to run a round on `snapshot`, `interval` source seconds being the fastest pace.
    public func due(_ snapshot: FleetSnapshot, interval: Double, acted: Bool) -> Bool {
        guard let last else { return true }
        let elapsed = snapshot.time - last.time
        if elapsed < 0 { return true }   // the source started over
        guard elapsed >= interval else { return false }
        if acted || elapsed >= Self.staleAfter || unsettled { return true }
        if Self.state(of: snapshot) != last.pools { return true }
        return snapshot.pools.contains { p in
            let before = last.load[p.id] ?? 0
            let chance = 3 * (max(before, 1) / Double(Self.window)).squareRoot()
            return abs(Self.load(p) - before) > max(Self.loadChange * max(before, 1), chance)
        }
    }

    /// The mean of the newest `window` samples, or `fallback` before the first.
    static func recentMean(_ series: SeriesRing, or fallback: Double) -> Double {
        let recent = series.values.suffix(window)
        return recent.isEmpty ? fallback : recent.reduce(0, +) / Double(recent.count)
    }

    static func load(_ p: PoolSnapshot) -> Double { recentMean(p.history.arrivalRate, or: p.arrivalRate) }

    /// A round ran on `snapshot` and answered `advice`.
    public mutating func ran(_ snapshot: FleetSnapshot, advice: FleetAdvice) {
        last = (snapshot.time, Self.state(of: snapshot), Dictionary(uniqueKeysWithValues: snapshot.pools.map { ($0.id, Self.load($0)) }))
        let best = advice.recommendations.first
        let confirming = best?.action != nil && best?.title != advice.active?.title
        let twinOff = advice.twin.contains { r in r.e2eP95Error.map { abs($0) > 0.25 } ?? true }
        unsettled = confirming || !advice.warnings.isEmpty || twinOff
    }
}

import FleetCore

/// Whether the next advisor round is worth its second of CPU. A round plays every candidate
/// minutes ahead; on a fleet that has not moved since the last one, it returns the last one's
/// answer. So once two rounds in a row agree, a round runs only when the fleet moved (a pool's
/// offered load by a tenth, its nodes, its queue's order of magnitude, its degrade modes, a
/// breach), when an action was applied, or when the last round is a minute old.
public struct RoundTrigger: Sendable {
    /// Source seconds after which a round runs even on a still fleet (the forecast moves).
    public static let staleAfter: Double = 60
    /// A pool's offered load moving by this share since the last round is news.
    public static let loadChange = 0.1

    /// What about a pool would change a round's answer, coarsely.
    struct PoolState: Equatable {
        var nodes: Int
        var nodesUp: Int
        var degradeModes: [DegradeMode]
        /// Queued requests per serving node, by order of magnitude: 0, up to 1, 4, 16, more.
        var queueBand: Int
        var breached: Int
    }

    private var last: (time: Double, pools: [String: PoolState], load: [String: Double])?
    /// The last two rounds' answers: the top candidate and the active recommendation.
    private var answers: [String] = []

    public init() {}

    static func state(of snapshot: FleetSnapshot) -> [String: PoolState] {
        Dictionary(uniqueKeysWithValues: snapshot.pools.map { p in
            let perNode = Double(p.waiting) / Double(max(1, p.nodesUp))
            let band = perNode == 0 ? 0 : perNode <= 1 ? 1 : perNode <= 4 ? 2 : perNode <= 16 ? 3 : 4
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
        if acted || elapsed >= Self.staleAfter || !settled { return true }
        if Self.state(of: snapshot) != last.pools { return true }
        return snapshot.pools.contains { p in
            let before = last.load[p.id] ?? 0
            return abs(p.arrivalRate - before) > Self.loadChange * max(before, 1)
        }
    }

    /// A round ran on `snapshot` and answered `advice`.
    public mutating func ran(_ snapshot: FleetSnapshot, advice: FleetAdvice) {
        last = (snapshot.time, Self.state(of: snapshot), Dictionary(uniqueKeysWithValues: snapshot.pools.map { ($0.id, $0.arrivalRate) }))
        answers.append("\(advice.recommendations.first?.title ?? "-")|\(advice.active?.title ?? "-")|\(advice.warnings.count)")
        if answers.count > 2 { answers.removeFirst() }
    }

    /// Two rounds in a row gave the same answer (the hysteresis has nothing pending).
    var settled: Bool { answers.count == 2 && answers[0] == answers[1] }
}

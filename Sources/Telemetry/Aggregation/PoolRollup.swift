import FleetCore

/// The pool rows, latency rows and prefix-cache rows of a snapshot, rolled up from its nodes,
/// and the pools' SLO breaches and recoveries by the simulator's rule (`SLOTracker`): what
/// every watched source (scrape, query API, streams) shares.
struct PoolRollup {
    struct Rolled {
        var pools: [PoolSnapshot]
        var latency: [PoolLatency]
        var caches: [CacheSnapshot]
        /// Breaches and recoveries this tick, for the source's events log.
        var slo: [SLOTracker.Transition]
    }

    var histories: [String: PoolHistory] = [:]
    var prefixHistories: [String: SeriesRing] = [:]
    var slo = SLOTracker()
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// `poolIDs` fixes the order and may name pools without nodes; by default the nodes' pools
    /// in order of appearance. `prefix` replaces the mean of the nodes' prefix hit rates where a
    /// source knows the token-weighted one. Each pool's `LatencySignals` carry the samples
    /// behind them; a source that cannot count them (a query API's quantiles) leaves them out
    /// and its quantiles are taken as they are.
    mutating func roll(poolIDs: [String]? = nil, nodes: [NodeSnapshot], latency: [String: LatencySignals],
                       arrivals: [String: Double] = [:], prefix: [String: Double?]? = nil,
                       objectives: [String: [SLOObjective]], engine: String) -> Rolled {
        var ids: [String] = poolIDs ?? []
        if poolIDs == nil { for n in nodes where !ids.contains(n.pool) { ids.append(n.pool) } }
        var pools: [PoolSnapshot] = [], rows: [PoolLatency] = [], caches: [CacheSnapshot] = []
        var transitions: [SLOTracker.Transition] = []
        for id in ids {
            let ns = nodes.filter { $0.pool == id }
            var h = histories[id] ?? PoolHistory(capacity: capacity)
            let waiting = ns.reduce(0) { $0 + $1.waiting }
            let rate = arrivals[id] ?? 0
            h.waiting.append(Double(waiting))
            h.arrivalRate.append(rate)
            let q = latency[id] ?? LatencySignals(samples: [.ttft: 0, .e2e: 0])
            h.e2eP95.append(q.e2e.p95 ?? 0)
            histories[id] = h
            pools.append(PoolSnapshot(id: id, kind: .gpu, engine: ns.first?.engine ?? engine, model: ns.first?.model ?? "-",
                                      nodes: ns.count, nodesUp: ns.filter { $0.state == .up || $0.state == .degraded }.count,
                                      running: ns.reduce(0) { $0 + $1.running }, waiting: waiting,
                                      arrivalRate: rate, completionRate: rate, shedRate: 0, history: h))
            pools[pools.count - 1].errorRate = q.errorRate
            pools[pools.count - 1].preemptionsPerSecond = ns.reduce(0) { $0 + $1.preemptionsPerSecond }
            let obj = objectives[id] ?? []
            transitions += slo.update(pool: id, objectives: obj, measure: q.measure)
            rows.append(PoolLatency(pool: id, q, samples: min(q.samples[.e2e] ?? 0, Int(Int32.max)), objectives: obj,
                                    breached: slo.breached(id)))
            let rates = ns.compactMap(\.prefixCacheHitRate)
            let hit: Double? = prefix.map { $0[id] ?? nil } ?? (rates.isEmpty ? nil : rates.reduce(0, +) / Double(rates.count))
            var ring = prefixHistories[id] ?? SeriesRing(capacity: capacity)
            ring.append(hit ?? 0)
            prefixHistories[id] = ring
            caches.append(CacheSnapshot(id: "prefix:\(id)", kind: .prefix, pool: id, hitRate: hit, history: ring))
        }
        // Pools come and go with discovery: keep no history for one that has left.
        let kept = Set(ids)
        histories = histories.filter { kept.contains($0.key) }
        prefixHistories = prefixHistories.filter { kept.contains($0.key) }
        slo.keep(pools: kept)
        return Rolled(pools: pools, latency: rows, caches: caches, slo: transitions)
    }
}

import FleetCore

/// The pool rows, latency rows and prefix-cache rows of a snapshot, rolled up from its nodes:
/// what every source that discovers nodes (query API, streams) shares.
struct PoolRollup {
    var histories: [String: PoolHistory] = [:]
    var prefixHistories: [String: SeriesRing] = [:]
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// `poolIDs` fixes the order and may name pools without nodes; by default the nodes' pools
    /// in order of appearance. `prefix` replaces the mean of the nodes' prefix hit rates where a
    /// source knows the token-weighted one.
    mutating func roll(poolIDs: [String]? = nil, nodes: [NodeSnapshot], latency: [String: (ttft: Quantiles, e2e: Quantiles)],
                       samples: [String: Int] = [:], arrivals: [String: Double] = [:], prefix: [String: Double?]? = nil,
                       objectives: [String: [SLOObjective]], engine: String)
        -> (pools: [PoolSnapshot], latency: [PoolLatency], caches: [CacheSnapshot]) {
        var ids: [String] = poolIDs ?? []
        if poolIDs == nil { for n in nodes where !ids.contains(n.pool) { ids.append(n.pool) } }
        var pools: [PoolSnapshot] = [], rows: [PoolLatency] = [], caches: [CacheSnapshot] = []
        for id in ids {
            let ns = nodes.filter { $0.pool == id }
            var h = histories[id] ?? PoolHistory(capacity: capacity)
            let waiting = ns.reduce(0) { $0 + $1.waiting }
            let rate = arrivals[id] ?? 0
            h.waiting.append(Double(waiting))
            h.arrivalRate.append(rate)
            let q = latency[id] ?? (Quantiles(), Quantiles())
            h.e2eP95.append(q.e2e.p95 ?? 0)
            histories[id] = h
            pools.append(PoolSnapshot(id: id, kind: .gpu, engine: ns.first?.engine ?? engine, model: ns.first?.model ?? "-",
                                      nodes: ns.count, nodesUp: ns.filter { $0.state == .up || $0.state == .degraded }.count,
                                      running: ns.reduce(0) { $0 + $1.running }, waiting: waiting,
                                      arrivalRate: rate, completionRate: rate, shedRate: 0, history: h))
            let obj = objectives[id] ?? []
            rows.append(PoolLatency(pool: id, ttft: q.ttft, e2e: q.e2e, samples: samples[id] ?? 0, objectives: obj,
                                    breached: PoolLatency.breaches(of: obj, ttft: q.ttft, e2e: q.e2e)))
            let rates = ns.compactMap(\.prefixCacheHitRate)
            let hit: Double? = prefix.map { $0[id] ?? nil } ?? (rates.isEmpty ? nil : rates.reduce(0, +) / Double(rates.count))
            var ring = prefixHistories[id] ?? SeriesRing(capacity: capacity)
            ring.append(hit ?? 0)
            prefixHistories[id] = ring
            caches.append(CacheSnapshot(id: "prefix:\(id)", kind: .prefix, pool: id, hitRate: hit, history: ring))
        }
        return (pools, rows, caches)
    }
}

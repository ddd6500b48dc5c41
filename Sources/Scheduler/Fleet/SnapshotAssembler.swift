import FleetCore
import Foundation

/// Turns the simulator's state into the immutable `FleetSnapshot` every screen reads.
enum SnapshotAssembler {
    static func assemble(simulator sim: FleetSimulator, events: [FleetEvent], costHistory: SeriesRing,
                         time: Double) -> FleetSnapshot {
        var pools: [PoolSnapshot] = []
        var caches: [CacheSnapshot] = []
        var latency: [PoolLatency] = []
        var costs: [PoolCost] = []
        for p in sim.pools {
            let nodes = p.nodeIndices.map { sim.nodes[$0] }
            let isAPI: Bool = { if case .api = p.spec.kind { return true }; return false }()
            pools.append(PoolSnapshot(
                id: p.spec.id, kind: isAPI ? .api : .gpu, engine: p.spec.engine, model: p.spec.model.name,
                nodes: nodes.count, nodesUp: nodes.filter { $0.state == .up || $0.state == .degraded }.count,
                running: nodes.reduce(0) { $0 + sampled($1.history.running) },
                waiting: nodes.reduce(0) { $0 + sampled($1.history.waiting) },
                arrivalRate: shown(p.arrivalRate.value, 0.001), completionRate: shown(p.completionRate.value, 0.001),
                shedRate: shown(p.shedRate.value, 0.001), history: p.history))
            if !p.degradeModes.isEmpty { pools[pools.count - 1].degradeModes = p.degradeModes.sorted { $0.rawValue < $1.rawValue } }
            // The simulator's failures are the requests it sheds; an API pool's include its 429s.
            let offered = p.completionRate.value + p.shedRate.value
            pools[pools.count - 1].errorRate = offered > 0.001 ? shown(p.shedRate.value / offered, 0.0001) : nil
            pools[pools.count - 1].preemptionsPerSecond = isAPI ? nil : shown(nodes.reduce(0) { $0 + $1.lastSample.preemptionsPerSecond }, 0.01)
            if p.spec.responseCache != nil {
                caches.append(CacheSnapshot(id: "response:\(p.spec.id)", kind: .response, pool: p.spec.id,
                                            hitRate: p.responseCache.ratio.map { shown($0, 0.0001) }, history: p.responseCacheHistory))
            }
            if !isAPI {
                caches.append(CacheSnapshot(id: "prefix:\(p.spec.id)", kind: .prefix, pool: p.spec.id,
                                            hitRate: PoolRuntime.prefixHitRate(nodes).map { shown($0, 0.0001) },
                                            history: p.prefixCacheHistory))
            }
            let ttft = shown(p.ttft.window.quantiles)
            let e2e = shown(p.e2e.window.quantiles)
            // Time per output token where the pool has generated tokens two at a time at least (an
            // API pool's streamed answers too).
            let tpot = p.tpot.window.total > 0 ? shown(p.tpot.window.quantilesAndMean) : nil
            latency.append(PoolLatency(pool: p.spec.id, ttft: ttft, e2e: e2e, tpot: tpot, samples: p.e2e.window.total,
                                       objectives: p.spec.objectives, breached: p.breached))
            costs.append(PoolCost(pool: p.spec.id, dollarsPerHour: shown(p.dollarsPerHour, 0.001),
                                  requestsPerHour: shown(p.requestsPerHour.value, 0.1),
                                  apiBaselinePerHour: shown(p.baselinePerHour.value, 0.001)))
        }
        return FleetSnapshot(
            time: time,
            timeOfDay: sim.timeOfDay(at: time),
            source: sim.sourceInfo,
            pools: pools,
            nodes: sim.pools.flatMap(\.nodeIndices).map { node(sim.nodes[$0]) },
            caches: caches,
            latency: latency,
            cost: CostSnapshot(pools: costs, history: costHistory),
            events: events)
    }

    static func node(_ n: SimulatedNode) -> NodeSnapshot {
        let gpus = (0..<n.gpusPerNode).map { g -> GPUSnapshot in
            // Shards of one tensor-parallel replica run in lockstep; small fixed offsets per
            // GPU stand for the spread real boards show.
            let spread = Double((stableHash(n.id) &+ UInt64(g) &* 2_654_435_761) % 100) / 100 - 0.5
            let util = n.state == .down ? 0 : max(0, min(1, n.lastSample.utilization * (1 + 0.06 * spread)))
            let spec = n.gpu
            let power = spec.idleWatts + (spec.maxWatts - spec.idleWatts) * util
            let memory = n.state == .down ? 0 : spec.memoryGiB * n.engine.gpuMemoryUtilization
            // At dcgm-exporter's resolution (whole percent, 0.1 W, whole degrees): what a real
            // board reports, and what keeps recordings of the simulated fleet small.
            let temperature = 31 + 45 * power / spec.maxWatts + 2 * spread
            return GPUSnapshot(index: g, name: spec.name, utilization: (util * 100).rounded() / 100, memoryUsedGiB: memory,
                               memoryTotalGiB: spec.memoryGiB, powerWatts: (power * 10).rounded() / 10,
                               temperatureC: temperature.rounded())
        }
        let util = gpus.isEmpty ? 0 : gpus.reduce(0) { $0 + $1.utilization } / Double(gpus.count)
        return NodeSnapshot(
            id: n.id, pool: n.poolID, state: n.state, stateReason: n.stateReason,
            engine: n.engineName, model: n.model.name, version: n.version, gpus: gpus,
            gpuUtilization: shown(util, 0.0001), kvCacheUsage: shown(n.history.kvCacheUsage.last ?? 0, 0.0001),
            running: sampled(n.history.running), waiting: sampled(n.history.waiting),
            tokensPerSecond: shown(n.lastSample.tokensPerSecond, 0.1), promptTokensPerSecond: shown(n.lastSample.promptTokensPerSecond, 0.1),
            prefixCacheHitRate: n.prefixWindow.ratio.map { shown($0, 0.0001) }, preemptionsPerSecond: shown(n.lastSample.preemptionsPerSecond, 0.01),
            history: n.history)
    }

    /// Snapshot figures at a resolution finer than any screen shows (0.1 ms, 0.01%, 0.1 tok/s)
    /// but not at 17 significant digits: recordings of the simulated fleet stay small and
    /// nothing visible changes. The simulator's own state keeps full precision.
    static func shown(_ v: Double, _ step: Double) -> Double {
        guard v.isFinite else { return v }
        // Divide by a whole power of ten: the nearest double to the decimal, whose shortest
        // text is the short decimal ("0.1851", not "0.18510000000000001").
        let scale = (1 / step).rounded()
        return (v * scale).rounded() / scale
    }

    static func shown(_ q: Quantiles) -> Quantiles {
        var out = q
        out.p50 = q.p50.map { shown($0, 0.0001) }
        out.p90 = q.p90.map { shown($0, 0.0001) }
        out.p95 = q.p95.map { shown($0, 0.0001) }
        out.p99 = q.p99.map { shown($0, 0.0001) }
        out.mean = q.mean.map { shown($0, 0.0001) }
        return out
    }

    /// A snapshot shows the fleet at its sample time, not at whatever moment it is assembled:
    /// gauges come from the sample just taken, like every rate beside them.
    static func sampled(_ series: TieredSeries) -> Int { Int(series.last ?? 0) }

    /// FNV-1a: stable across runs, unlike Hasher.
    static func stableHash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

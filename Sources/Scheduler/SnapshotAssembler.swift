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
                arrivalRate: p.arrivalRate.value, completionRate: p.completionRate.value,
                shedRate: p.shedRate.value, history: p.history))
            if p.spec.responseCache != nil {
                caches.append(CacheSnapshot(id: "response:\(p.spec.id)", kind: .response, pool: p.spec.id,
                                            hitRate: p.responseCache.ratio, history: p.responseCacheHistory))
            }
            if !isAPI {
                caches.append(CacheSnapshot(id: "prefix:\(p.spec.id)", kind: .prefix, pool: p.spec.id,
                                            hitRate: PoolRuntime.prefixHitRate(nodes), history: p.prefixCacheHistory))
            }
            let ttft = p.ttft.window.quantiles
            let e2e = p.e2e.window.quantiles
            latency.append(PoolLatency(pool: p.spec.id, ttft: ttft, e2e: e2e, samples: p.e2e.window.total,
                                       objectives: p.spec.objectives, breached: p.breached))
            costs.append(PoolCost(pool: p.spec.id, dollarsPerHour: p.dollarsPerHour,
                                  requestsPerHour: p.requestsPerHour.value,
                                  apiBaselinePerHour: p.baselinePerHour.value))
        }
        return FleetSnapshot(
            time: time,
            timeOfDay: sim.timeOfDay(at: time),
            source: sim.sourceInfo,
            pools: pools,
            nodes: sim.nodes.map(node),
            caches: caches,
            latency: latency,
            cost: CostSnapshot(pools: costs, history: costHistory),
            events: events)
    }

    static func node(_ n: SimulatedNode) -> NodeSnapshot {
        let gpus = (0..<n.spec.gpusPerNode).map { g -> GPUSnapshot in
            // Shards of one tensor-parallel replica run in lockstep; small fixed offsets per
            // GPU stand for the spread real boards show.
            let spread = Double((stableHash(n.id) &+ UInt64(g) &* 2_654_435_761) % 100) / 100 - 0.5
            let util = n.state == .down ? 0 : max(0, min(1, n.lastSample.utilization * (1 + 0.06 * spread)))
            let spec = n.spec.gpu
            let power = spec.idleWatts + (spec.maxWatts - spec.idleWatts) * util
            let memory = n.state == .down ? 0 : spec.memoryGiB * n.spec.gpuMemoryUtilization
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
            gpuUtilization: util, kvCacheUsage: n.history.kvCacheUsage.last ?? 0,
            running: sampled(n.history.running), waiting: sampled(n.history.waiting),
            tokensPerSecond: n.lastSample.tokensPerSecond, promptTokensPerSecond: n.lastSample.promptTokensPerSecond,
            prefixCacheHitRate: n.prefixWindow.ratio, preemptionsPerSecond: n.lastSample.preemptionsPerSecond,
            history: n.history)
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

/// What a threshold autoscaler reads of a pool at one moment, as its metrics adapter would
/// scrape it from the engines: replicas (live, and provisioned with those starting), requests
/// waiting, and the mean KV-cache usage of the live replicas.
public struct PoolReading: Sendable, Equatable {
    public var pool: String
    public var live: Int
    public var provisioned: Int
    public var waiting: Int
    public var running: Int
    public var kvUsage: Double

    public var waitingPerReplica: Double { Double(waiting) / Double(max(1, live)) }
}

extension FleetSimulator {
    /// Every self-hosted pool's reading now (pools simulated as slices are left out).
    public func poolReadings() -> [PoolReading] {
        pools.compactMap { p -> PoolReading? in
            guard case .gpu = p.spec.kind, p.slice == nil else { return nil }
            let serving = p.nodeIndices.filter { nodes[$0].state != .down && nodes[$0].state != .draining }
            let kv = serving.isEmpty ? 0 : serving.reduce(0.0) { $0 + nodes[$1].kvUsage } / Double(serving.count)
            return PoolReading(pool: p.spec.id, live: serving.count,
                               provisioned: p.nodeIndices.filter { nodes[$0].state != .draining }.count,
                               waiting: serving.reduce(0) { $0 + nodes[$1].waiting.count },
                               running: serving.reduce(0) { $0 + nodes[$1].running }, kvUsage: kv)
        }
    }

    /// GPUs provisioned now over the self-hosted pools, starting and draining replicas included
    /// (they bill).
    public var provisionedGPUs: Double {
        pools.reduce(0) { total, p in
            guard case .gpu(let g) = p.spec.kind else { return total }
            return total + (p.slice?.realProvisioned ?? Double(p.nodeIndices.count)) * Double(g.gpusPerNode)
        }
    }
}

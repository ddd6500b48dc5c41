import FleetCore

/// A big pool simulated as a slice of itself (the twin's, Docs/twin.md): a few simulated nodes
/// stand for many real ones, and each sees a real node's load because arrivals to the pool
/// are thinned by `keep` = serving simulated nodes / serving real nodes. A what-if round then
/// costs what the slice's requests cost, not the fleet's: a pool of 50 nodes at 4,000
/// requests/s is played as one node at 80. Scale actions move the real counts, so "+1 of
/// 100" is a node's worth of load taken off every simulated node, and costs one node's price.
struct PoolSlice: Sendable {
    /// Real replicas billed (starting and draining ones included).
    var realProvisioned: Double
    /// Real replicas taking traffic.
    var realServing: Double
    /// The share of the pool's arrivals that are simulated.
    var keep: Double
    /// Real replicas that each starting simulated node brings when it is ready, by node index.
    var starting: [Int: Double] = [:]

    init(simulated: Int, real: Int) {
        realProvisioned = Double(real)
        realServing = Double(real)
        keep = Double(simulated) / Double(real)
    }
}

extension FleetSimulator {
    /// The share of the offered load a run simulates: 1 unless pools are sliced. The advisor
    /// sizes its horizon by the simulated rate.
    public var simulatedShare: Double {
        guard state.pools.contains(where: { $0.slice != nil }) else { return 1 }
        var share = 0.0
        for (ci, c) in scenario.workload.classes.enumerated() {
            let split = state.classSplits[ci]
            let total = max(split.reduce(0) { $0 + $1.weight }, 1e-12)
            share += c.share * split.reduce(0) { $0 + $1.weight / total * (state.pools[$1.pool].slice?.keep ?? 1) }
        }
        return share / max(scenario.workload.classes.reduce(0) { $0 + $1.share }, 1e-12)
    }

    /// Whether a Poisson arrival at pool `pi` is simulated. Arrivals already come at `sliceKeep`
    /// of the offered rate (`arrive`), so the pool keeps its own share of those; an unsliced
    /// fleet draws nothing here. (Traces and conversations' turns are not thinned: the twin,
    /// the one user of slices, has neither.)
    func keepsArrival(pool pi: Int) -> Bool {
        guard state.sliceKeep < 1 || state.pools[pi].slice != nil else { return true }
        let keep = (state.pools[pi].slice?.keep ?? 1) / state.sliceKeep
        return keep >= 1 || state.random.slice.unit() < keep
    }

    /// Each sliced pool's share after its serving nodes changed; the fleet's arrival rate
    /// follows the largest share, so no pool is starved.
    func updateSliceKeep() {
        var largest = 0.0
        for pi in state.pools.indices {
            guard var s = state.pools[pi].slice else { largest = 1; continue }
            let serving = state.pools[pi].nodeIndices.count(where: { state.nodes[$0].state != .down && state.nodes[$0].state != .draining })
            s.keep = min(1, Double(serving) / max(s.realServing, 1))
            state.pools[pi].slice = s
            largest = max(largest, s.keep)
        }
        state.sliceKeep = min(1, max(largest, 1e-9))
    }

    /// A sliced pool scaled by `delta` real replicas: up, the simulated nodes that stand for
    /// them (at least one) start, and bring their share when ready; down, the simulated nodes
    /// that many real ones make are drained and every other takes its share of the load.
    func scaleSlice(pool pi: Int, spec g: GPUPoolSpec, by delta: Int) -> Result<String, FleetActionError> {
        guard var s = state.pools[pi].slice else { return .failure(.init("not a sliced pool")) }
        let id = state.pools[pi].spec.id
        if delta > 0 {
            let perReal = Double(state.pools[pi].nodeIndices.count) / max(s.realProvisioned, 1)
            let added = max(1, Int((Double(delta) * perReal).rounded(.up)))
            let ready = state.now + Self.coldStart(state.pools[pi].spec)
            for _ in 0..<added {
                addNode(pool: pi, spec: g, readyAt: ready)
                s.starting[state.nodes.count - 1] = Double(delta) / Double(added)
            }
            s.realProvisioned += Double(delta)
            state.pools[pi].slice = s
            return .success("\(id) +\(delta) replica\(delta == 1 ? "" : "s"), serving after a \(Format.duration(ready - state.now)) cold start "
                            + "(\(Int(s.realProvisioned.rounded())) provisioned)")
        }
        let live = state.pools[pi].nodeIndices.filter { state.nodes[$0].state != .down && state.nodes[$0].state != .draining }
        guard s.realServing + Double(delta) >= 1 else { return .failure(.init("\(id) would have no replica left")) }
        let perReal = Double(live.count) / max(s.realServing, 1)
        let retired = min(live.count - 1, Int((Double(-delta) * perReal).rounded(.down)))
        for n in live.suffix(retired) { retire(node: n) }
        s.realServing += Double(delta)
        s.realProvisioned += Double(delta)
        state.pools[pi].slice = s
        updateSliceKeep()
        return .success("\(id) \(delta) replica\(delta == -1 ? "" : "s"): draining, then removed")
    }

    /// A starting node of a sliced pool is ready: the real replicas it stands for serve.
    func sliceNodeReady(_ n: Int) {
        let pi = state.nodes[n].poolIndex
        guard let real = state.pools[pi].slice?.starting.removeValue(forKey: n) else { return }
        state.pools[pi].slice!.realServing += real
        updateSliceKeep()
    }
}

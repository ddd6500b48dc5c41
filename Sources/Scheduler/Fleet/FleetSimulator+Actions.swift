import FleetCore
import Foundation

public struct FleetActionError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

extension FleetSimulator {
    /// Seconds a new replica takes before it serves: a fixed start plus loading the weights
    /// at about 1 GB/s (a 70B int8 model: ~100 s).
    public static func coldStart(_ model: ModelSpec) -> Double { 30 + model.weightBytes / 1e9 }

    /// The pool's own figure where it has one (a twin's, from the config), else the model's.
    public static func coldStart(_ pool: PoolSpec) -> Double {
        if case .gpu(let g) = pool.kind, let given = g.coldStart { return given }
        return coldStart(pool.model)
    }

    /// Applies an action now; the returned text says what was done (and, for a scale-up,
    /// when the capacity arrives). Logged as an `action` event either way. A shift without
    /// its `from` takes the pool's first blue/green partner. A failure the same as
    /// `refusedBefore` is not logged again (an autoscaler asking every stabilisation window).
    @discardableResult
    public func perform(_ action: OperatorAction, label: String? = nil, refusedBefore: String? = nil) -> Result<String, FleetActionError> {
        let action = action.namingShiftPartner(splitPartners(of:))
        let result = apply(action)
        switch result {
        case .success(let text): log(.info, .action, "action: \(label.map { "\($0): " } ?? "")\(text)", pool: action.pool)
        case .failure(let e) where e.description != refusedBefore:
            log(.warning, .action, "action failed: \(action.summary): \(e)", pool: action.pool)
        case .failure: break
        }
        return result
    }

    func apply(_ action: OperatorAction) -> Result<String, FleetActionError> {
        switch action {
        case let .scale(poolID, delta):
            guard let pi = state.pools.firstIndex(where: { $0.spec.id == poolID }) else { return .failure(.init("no pool \(poolID)")) }
            guard case .gpu(let g) = state.pools[pi].spec.kind else { return .failure(.init("\(poolID) is an API tier; it has no replicas")) }
            if state.pools[pi].slice != nil { return scaleSlice(pool: pi, spec: g, by: delta) }
            if delta > 0 {
                let provisioned = state.pools.reduce(0) { $0 + $1.nodeIndices.count }
                guard provisioned + delta <= Scenario.maxNodes else {
                    return .failure(.init("the fleet would have \(provisioned + delta) nodes; a simulated fleet has at most \(Scenario.maxNodes)"))
                }
                let ready = state.now + Self.coldStart(state.pools[pi].spec)
                for _ in 0..<delta { addNode(pool: pi, spec: g, readyAt: ready) }
                return .success("\(poolID) +\(delta) replica\(delta == 1 ? "" : "s"), serving after a \(Format.duration(ready - state.now)) cold start "
                                + "(\(state.pools[pi].nodeIndices.count) provisioned)")
            }
            let live = state.pools[pi].nodeIndices.filter { state.nodes[$0].state != .down && state.nodes[$0].state != .draining }
            guard live.count + delta >= 1 else { return .failure(.init("\(poolID) would have no replica left")) }
            for n in live.suffix(-delta) { retire(node: n) }
            return .success("\(poolID) \(delta) replica\(delta == -1 ? "" : "s"): draining, then removed")
        case let .degrade(poolID, mode, on):
            guard let pi = state.pools.firstIndex(where: { $0.spec.id == poolID }) else { return .failure(.init("no pool \(poolID)")) }
            if on {
                if mode == .smallerModel && smallerModelPool(than: pi) == nil { return .failure(.init("no smaller model tier in this fleet")) }
                if mode == .apiFallback && apiPool() == nil { return .failure(.init("no external API tier in this fleet")) }
                state.pools[pi].degradeModes.insert(mode)
            } else {
                state.pools[pi].degradeModes.remove(mode)
            }
            return .success("\(poolID): \(mode.title) \(on ? "on" : "off")")
        case let .drain(nodeID):
            guard let n = state.nodes.firstIndex(where: { $0.id == nodeID }), state.pools.contains(where: { $0.nodeIndices.contains(n) }) else {
                return .failure(.init("no node \(nodeID)"))
            }
            guard state.nodes[n].state != .down else { return .failure(.init("\(nodeID) is down")) }
            state.nodes[n].state = .draining
            state.nodes[n].stateReason = "draining: finishing \(state.nodes[n].load) requests, taking no new ones"
            return .success("\(nodeID) draining (\(state.nodes[n].load) requests to finish)")
        case let .shift(to, from, percent):
            guard let from else { return .failure(.init("\(to) has no blue/green partner: no class splits its traffic")) }
            var moved = 0
            for ci in state.classWeights.indices {
                guard let f = state.classWeights[ci].firstIndex(where: { $0.pool == from }),
                      let t = state.classWeights[ci].firstIndex(where: { $0.pool == to }) else { continue }
                let total = state.classWeights[ci].reduce(0) { $0 + $1.weight }
                let amount = min(state.classWeights[ci][f].weight, total * percent / 100)
                state.classWeights[ci][f].weight -= amount
                state.classWeights[ci][t].weight += amount
                moved += 1
            }
            guard moved > 0 else { return .failure(.init("no traffic is split between \(from) and \(to)")) }
            return .success("\(Format.compact(percent))% of traffic moved from \(from) to \(to)")
        }
    }

    func addNode(pool pi: Int, spec g: GPUPoolSpec, readyAt: Double) {
        let index = state.pools[pi].nodesCreated
        state.pools[pi].nodesCreated += 1
        let node = SimulatedNode(id: NodeNaming.id(pool: state.pools[pi].spec.id, index: index), poolIndex: pi, pool: state.pools[pi].spec,
                                 spec: g)
        // A starting replica bills but takes no traffic: routing passes over `down` nodes.
        node.state = .down
        node.stateReason = "starting: loading weights (cold start)"
        state.nodes.append(node)
        state.pools[pi].nodeIndices.append(state.nodes.count - 1)
        schedule(at: readyAt, .nodeReady(state.nodes.count - 1))
    }

    func retire(node n: Int) {
        state.nodes[n].state = .draining
        state.nodes[n].stateReason = "scaling in: draining, then removed"
        state.nodes[n].retiring = true
    }

    /// The pools a class splits with `pool` (its blue/green partners).
    public func splitPartners(of pool: String) -> [String] {
        var out: [String] = []
        for split in state.classWeights where split.contains(where: { $0.pool == pool }) {
            for s in split where s.pool != pool && !out.contains(s.pool) { out.append(s.pool) }
        }
        return out
    }

    /// Replicas provisioned in a pool (starting and draining ones included).
    public func replicas(of pool: String) -> Int? {
        guard let p = state.pools.first(where: { $0.spec.id == pool }) else { return nil }
        return p.slice.map { Int($0.realProvisioned.rounded()) } ?? p.nodeIndices.count
    }

    /// The GPU pool with the smallest model, other than `pi`.
    func smallerModelPool(than pi: Int) -> Int? {
        let own = state.pools[pi].spec.model.parametersBillions
        return state.pools.indices.filter { i in
            guard i != pi, case .gpu = state.pools[i].spec.kind else { return false }
            return state.pools[i].spec.model.parametersBillions < own
        }.min { state.pools[$0].spec.model.parametersBillions < state.pools[$1].spec.model.parametersBillions }
    }

    func apiPool() -> Int? {
        state.pools.indices.first { if case .api = state.pools[$0].spec.kind { return true }; return false }
    }

    /// Called at each sample: retiring nodes that have finished leave their pool.
    func removeDrainedNodes() {
        for pi in state.pools.indices {
            let gone = state.pools[pi].nodeIndices.filter { state.nodes[$0].retiring && state.nodes[$0].load == 0 }
            guard !gone.isEmpty else { continue }
            state.pools[pi].nodeIndices.removeAll { gone.contains($0) }
            for n in gone { log(.info, .action, "\(state.nodes[n].id) drained and removed", pool: state.pools[pi].spec.id, node: state.nodes[n].id) }
        }
        for n in state.nodes.indices where state.nodes[n].state == .draining && !state.nodes[n].retiring && state.nodes[n].load == 0 {
            state.nodes[n].state = .down
            state.nodes[n].stateReason = "drained: no requests left"
            log(.info, .action, "\(state.nodes[n].id) drained", node: state.nodes[n].id)
        }
    }
}

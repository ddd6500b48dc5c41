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

    /// Applies an action now; the returned text says what was done (and, for a scale-up,
    /// when the capacity arrives). Logged as an `action` event either way. A shift without
    /// its `from` takes the pool's first blue/green partner.
    @discardableResult
    public func perform(_ action: OperatorAction, label: String? = nil) -> Result<String, FleetActionError> {
        let action = resolved(action)
        let result = apply(action)
        switch result {
        case .success(let text): log(.info, .action, "action: \(label.map { "\($0): " } ?? "")\(text)", pool: action.pool)
        case .failure(let e): log(.warning, .action, "action failed: \(action.summary): \(e)", pool: action.pool)
        }
        return result
    }

    /// The action with its shift partner named, when the fleet has one.
    public func resolved(_ action: OperatorAction) -> OperatorAction {
        guard case let .shift(to, nil, percent) = action, let partner = splitPartners(of: to).first else { return action }
        return .shift(toward: to, from: partner, percent: percent)
    }

    private func apply(_ action: OperatorAction) -> Result<String, FleetActionError> {
        switch action {
        case let .scale(poolID, delta):
            guard let pi = pools.firstIndex(where: { $0.spec.id == poolID }) else { return .failure(.init("no pool \(poolID)")) }
            guard case .gpu(let g) = pools[pi].spec.kind else { return .failure(.init("\(poolID) is an API tier; it has no replicas")) }
            if delta > 0 {
                let ready = now + Self.coldStart(pools[pi].spec.model)
                for _ in 0..<delta { addNode(pool: pi, spec: g, readyAt: ready) }
                return .success("\(poolID) +\(delta) replica\(delta == 1 ? "" : "s"), serving after a \(Format.duration(ready - now)) cold start "
                                + "(\(pools[pi].nodeIndices.count) provisioned)")
            }
            let live = pools[pi].nodeIndices.filter { nodes[$0].state != .down && nodes[$0].state != .draining }
            guard live.count + delta >= 1 else { return .failure(.init("\(poolID) would have no replica left")) }
            for n in live.suffix(-delta) { retire(node: n) }
            return .success("\(poolID) \(delta) replica\(delta == -1 ? "" : "s"): draining, then removed")
        case let .degrade(poolID, mode, on):
            guard let pi = pools.firstIndex(where: { $0.spec.id == poolID }) else { return .failure(.init("no pool \(poolID)")) }
            if on {
                if mode == .smallerModel && smallerModelPool(than: pi) == nil { return .failure(.init("no smaller model tier in this fleet")) }
                if mode == .apiFallback && apiPool() == nil { return .failure(.init("no external API tier in this fleet")) }
                pools[pi].degradeModes.insert(mode)
            } else {
                pools[pi].degradeModes.remove(mode)
            }
            return .success("\(poolID): \(mode.title) \(on ? "on" : "off")")
        case let .drain(nodeID):
            guard let n = nodes.firstIndex(where: { $0.id == nodeID }), pools.contains(where: { $0.nodeIndices.contains(n) }) else {
                return .failure(.init("no node \(nodeID)"))
            }
            guard nodes[n].state != .down else { return .failure(.init("\(nodeID) is down")) }
            nodes[n].state = .draining
            nodes[n].stateReason = "draining: finishing \(nodes[n].load) requests, taking no new ones"
            return .success("\(nodeID) draining (\(nodes[n].load) requests to finish)")
        case let .shift(to, from, percent):
            guard let from else { return .failure(.init("\(to) has no blue/green partner: no class splits its traffic")) }
            var moved = 0
            for ci in classWeights.indices {
                guard let f = classWeights[ci].firstIndex(where: { $0.pool == from }),
                      let t = classWeights[ci].firstIndex(where: { $0.pool == to }) else { continue }
                let total = classWeights[ci].reduce(0) { $0 + $1.weight }
                let amount = min(classWeights[ci][f].weight, total * percent / 100)
                classWeights[ci][f].weight -= amount
                classWeights[ci][t].weight += amount
                moved += 1
            }
            guard moved > 0 else { return .failure(.init("no traffic is split between \(from) and \(to)")) }
            return .success("\(Format.compact(percent))% of traffic moved from \(from) to \(to)")
        }
    }

    private func addNode(pool pi: Int, spec g: GPUPoolSpec, readyAt: Double) {
        let index = pools[pi].nodesCreated
        pools[pi].nodesCreated += 1
        let node = SimulatedNode(id: NodeNaming.id(pool: pools[pi].spec.id, index: index), poolIndex: pi, pool: pools[pi].spec,
                                 spec: g)
        // A starting replica bills but takes no traffic: routing passes over `down` nodes.
        node.state = .down
        node.stateReason = "starting: loading weights (cold start)"
        nodes.append(node)
        pools[pi].nodeIndices.append(nodes.count - 1)
        schedule(at: readyAt, .nodeReady(nodes.count - 1))
    }

    private func retire(node n: Int) {
        nodes[n].state = .draining
        nodes[n].stateReason = "scaling in: draining, then removed"
        nodes[n].retiring = true
    }

    /// The pools a class splits with `pool` (its blue/green partners).
    public func splitPartners(of pool: String) -> [String] {
        var out: [String] = []
        for split in classWeights where split.contains(where: { $0.pool == pool }) {
            for s in split where s.pool != pool && !out.contains(s.pool) { out.append(s.pool) }
        }
        return out
    }

    /// Replicas provisioned in a pool (starting and draining ones included).
    public func replicas(of pool: String) -> Int? {
        pools.first { $0.spec.id == pool }?.nodeIndices.count
    }

    /// The GPU pool with the smallest model, other than `pi`.
    func smallerModelPool(than pi: Int) -> Int? {
        let own = pools[pi].spec.model.parametersBillions
        return pools.indices.filter { i in
            guard i != pi, case .gpu = pools[i].spec.kind else { return false }
            return pools[i].spec.model.parametersBillions < own
        }.min { pools[$0].spec.model.parametersBillions < pools[$1].spec.model.parametersBillions }
    }

    func apiPool() -> Int? {
        pools.indices.first { if case .api = pools[$0].spec.kind { return true }; return false }
    }

    /// Called at each sample: retiring nodes that have finished leave their pool.
    func removeDrainedNodes() {
        for pi in pools.indices {
            let gone = pools[pi].nodeIndices.filter { nodes[$0].retiring && nodes[$0].load == 0 }
            guard !gone.isEmpty else { continue }
            pools[pi].nodeIndices.removeAll { gone.contains($0) }
            for n in gone { log(.info, .action, "\(nodes[n].id) drained and removed", pool: pools[pi].spec.id, node: nodes[n].id) }
        }
        for n in nodes.indices where nodes[n].state == .draining && !nodes[n].retiring && nodes[n].load == 0 {
            nodes[n].state = .down
            nodes[n].stateReason = "drained: no requests left"
            log(.info, .action, "\(nodes[n].id) drained", node: nodes[n].id)
        }
    }
}

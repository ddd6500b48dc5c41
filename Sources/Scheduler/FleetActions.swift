import FleetCore
import Foundation

/// The pool-level degrade modes an operator can switch on under extreme load.
public enum DegradeMode: String, CaseIterable, Sendable, Codable {
    /// Requests of the least important class are refused at the door.
    case shedLowPriority = "shed_low_priority"
    /// The pool's traffic goes to the fleet's smallest-model GPU pool.
    case smallerModel = "smaller_model"
    /// Output is capped at `FleetSimulator.degradedMaxTokens` tokens.
    case capMaxTokens = "cap_max_tokens"
    /// Only response-cache hits are served; misses are refused.
    case cacheOnly = "cache_only"
    /// The pool's traffic goes to the fleet's external API tier.
    case apiFallback = "api_fallback"

    public var title: String {
        switch self {
        case .shedLowPriority: return "shed low-priority traffic"
        case .smallerModel: return "route to the smaller model tier"
        case .capMaxTokens: return "cap max output tokens at \(FleetSimulator.degradedMaxTokens)"
        case .cacheOnly: return "serve from cache only"
        case .apiFallback: return "fall back to the external API"
        }
    }
}

/// Something done to the fleet: by a key press through the simulator actuator, or scripted
/// in a scenario's timeline.
public enum FleetAction: Sendable, Equatable {
    case scale(pool: String, delta: Int)
    case degrade(pool: String, mode: DegradeMode, on: Bool)
    case drain(node: String)
    /// Moves `percent` of a class's traffic from one of its pools to another (blue/green).
    case shift(from: String, to: String, percent: Double)

    public var summary: String {
        switch self {
        case let .scale(pool, delta): return "scale \(pool) by \(delta > 0 ? "+" : "")\(delta)"
        case let .degrade(pool, mode, on): return "\(on ? "degrade" : "restore") \(pool): \(mode.title)"
        case let .drain(node): return "drain \(node)"
        case let .shift(from, to, percent): return "shift \(Format.compact(percent))% of traffic from \(from) to \(to)"
        }
    }
}

extension FleetAction {
    /// The simulator's action for an operator's; `splitPartners` names a pool's blue/green
    /// partners (read from the simulator, or from what the driver knew of it).
    public static func from(_ action: OperatorAction, splitPartners: (String) -> [String]) -> Result<FleetAction, FleetActionError> {
        switch action {
        case let .scale(pool, delta): return .success(.scale(pool: pool, delta: delta))
        case let .degrade(pool, mode, on):
            guard let m = DegradeMode(rawValue: mode) else { return .failure(FleetActionError("no degrade mode '\(mode)'")) }
            return .success(.degrade(pool: pool, mode: m, on: on))
        case let .drain(node): return .success(.drain(node: node))
        case let .shiftToward(pool, percent):
            guard let partner = splitPartners(pool).first else {
                return .failure(FleetActionError("\(pool) has no blue/green partner: no class splits its traffic"))
            }
            return .success(.shift(from: partner, to: pool, percent: percent))
        }
    }
}

public struct FleetActionError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

extension FleetSimulator {
    /// Output cap of the `cap_max_tokens` degrade mode.
    public static let degradedMaxTokens = 256

    /// Seconds a new replica takes before it serves: a fixed start plus loading the weights
    /// at about 1 GB/s (a 70B int8 model: ~100 s).
    public static func coldStart(_ model: ModelSpec) -> Double { 30 + model.weightBytes / 1e9 }

    /// Applies an action now; the returned text says what was done (and, for a scale-up,
    /// when the capacity arrives). Logged as an `action` event either way.
    @discardableResult
    public func perform(_ action: FleetAction, label: String? = nil) -> Result<String, FleetActionError> {
        let result = apply(action)
        switch result {
        case .success(let text): log(.info, .action, "action: \(label.map { "\($0): " } ?? "")\(text)", pool: action.pool)
        case .failure(let e): log(.warning, .action, "action failed: \(action.summary): \(e)", pool: action.pool)
        }
        return result
    }

    private func apply(_ action: FleetAction) -> Result<String, FleetActionError> {
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
        case let .shift(from, to, percent):
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

extension FleetAction {
    var pool: String? {
        switch self {
        case let .scale(pool, _), let .degrade(pool, _, _): return pool
        case .drain: return nil
        case let .shift(_, to, _): return to
        }
    }
}

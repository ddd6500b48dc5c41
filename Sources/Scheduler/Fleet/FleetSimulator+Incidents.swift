import FleetCore
import Foundation

extension FleetSimulator {
    func startIncident(_ i: Int) {
        let inc = scenario.incidents[i]
        switch inc.kind {
        case .cacheFlush(let id):
            guard let pi = state.pools.firstIndex(where: { $0.spec.id == id }) else { return }
            let lost = state.pools[pi].cacheModel?.count ?? 0
            state.pools[pi].cacheModel?.flush()
            log(.warning, .incident, "incident: \(inc.label) (\(lost) answers lost)", pool: id)
        case let .apiQuota(id, rps):
            guard let pi = state.pools.firstIndex(where: { $0.spec.id == id }) else { return }
            state.pools[pi].apiQuota = TokenBucket(rate: rps)
            log(.warning, .incident, "incident: \(inc.label) for \(Format.duration(inc.duration))", pool: id)
        case let .loadSpike(m, ramp):
            state.activeSpikes[i] = (m, state.now, ramp)
            log(.warning, .incident, String(format: "incident: %@ (load x%.1f%@ for %@)", inc.label, m,
                                            ramp > 0 ? " over \(Format.duration(ramp))" : "", Format.duration(inc.duration)))
        case let .nodeDown(nodeID, reason):
            guard let n = state.nodes.firstIndex(where: { $0.id == nodeID }) else { return }
            let node = state.nodes[n]
            let evacuated = node.evacuate()
            node.state = .down
            node.stateReason = reason
            // A scripted failure is an incident: it marks the replay timeline like a load spike.
            log(.critical, .incident, "incident: node \(nodeID) down: \(reason); \(evacuated.count) requests rerouted",
                pool: state.pools[node.poolIndex].spec.id, node: nodeID)
            if case .gpu(let g) = state.pools[node.poolIndex].spec.kind {
                for r in evacuated { route(r, pool: node.poolIndex, spec: g) }
            }
        }
    }

    func endIncident(_ i: Int) {
        let inc = scenario.incidents[i]
        switch inc.kind {
        case .cacheFlush:
            break
        case .apiQuota(let id, _):
            guard let pi = state.pools.firstIndex(where: { $0.spec.id == id }) else { return }
            if case .api(let a) = state.pools[pi].spec.kind { state.pools[pi].apiQuota = a.rateLimit.map { TokenBucket(rate: $0) } }
            log(.info, .incident, "incident over: \(inc.label)", pool: id)
        case .loadSpike:
            state.activeSpikes[i] = nil
            log(.info, .incident, "incident over: \(inc.label)")
        case .nodeDown(let nodeID, _):
            guard let n = state.nodes.firstIndex(where: { $0.id == nodeID }) else { return }
            state.nodes[n].state = .up
            state.nodes[n].stateReason = nil
            log(.info, .node, "node \(nodeID) back up", pool: state.pools[state.nodes[n].poolIndex].spec.id, node: nodeID)
        }
    }
}

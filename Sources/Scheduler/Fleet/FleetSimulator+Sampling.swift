import FleetCore

extension FleetSimulator {
    func sample() {
        removeDrainedNodes()
        let dt = max(1e-9, state.now - state.lastSampleTime)
        state.lastSampleTime = state.now
        let second = Int(state.now.rounded(.down))
        if let report = state.report { collect(into: report, dt: dt) }
        autoscale(dt: dt)
        for n in state.nodes.indices { sampleNode(state.nodes[n], dt: dt) }
        for pi in state.pools.indices {
            state.pools[pi].ttft.expire(upTo: second)
            state.pools[pi].e2e.expire(upTo: second)
            let nodeList = state.pools[pi].nodeIndices.map { state.nodes[$0] }
            for message in state.pools[pi].sample(dt: dt, nodes: nodeList) {
                log(message.severity, message.kind, message.text, pool: state.pools[pi].spec.id)
            }
        }
        state.costHistory.append(state.pools.reduce(0) { $0 + $1.dollarsPerHour })
        state.sampleCount += 1
        state.lastSnapshot = nil
    }

    func sampleNode(_ node: SimulatedNode, dt: Double) {
        let c = node.counters
        let busy = min(1, c.busyTime / dt)
        let meanRunning = c.busyTime > 0 ? c.runningTimeIntegral / c.busyTime : 0
        let fill = min(1, meanRunning / Double(node.engine.maxNumSeqs))
        // SM activity: an idle engine reads ~0; a busy one with a thin batch is memory-bound
        // and keeps fewer SMs busy than a full one.
        node.lastSample = NodeSample(utilization: busy * (0.45 + 0.55 * fill.squareRoot()),
                                     tokensPerSecond: Double(c.generatedTokens) / dt,
                                     promptTokensPerSecond: Double(c.promptTokensComputed) / dt,
                                     preemptionsPerSecond: Double(c.preemptions) / dt)
        node.prefixWindow.add(hits: c.prefixHitTokens, queries: c.prefixQueryTokens)
        // Only up and degraded trade places: a draining node stays draining (it must not take
        // traffic again), a down one down.
        if node.state == .up || node.state == .degraded {
            if c.preemptions > 0 {
                node.state = .degraded
                node.stateReason = "KV cache full: \(c.preemptions) preemptions"
            } else if node.state == .degraded {
                node.state = .up
                node.stateReason = nil
            }
        }
        node.counters = SimulatedNode.Counters()
        guard state.keepsNodeHistory else { return }
        node.history.append(at: state.now, gpuUtilization: node.lastSample.utilization, kvCacheUsage: node.kvUsage,
            tokensPerSecond: node.lastSample.tokensPerSecond, running: Double(node.running), waiting: Double(node.waiting.count))
        node.exposition.state = node.state
        node.exposition.running = node.running
        node.exposition.waiting = node.waiting.count
        node.exposition.kvCacheUsage = node.kvUsage
        node.exposition.promptTokens += UInt64(c.promptTokensComputed)
        node.exposition.generationTokens += UInt64(c.generatedTokens)
        node.exposition.preemptions += UInt64(c.preemptions)
        node.exposition.prefixQueries += UInt64(c.prefixQueryTokens)
        node.exposition.prefixHits += UInt64(c.prefixHitTokens)
    }

    /// Each autoscaled pool's decision for this sample, acted on as an operator's scale would be.
    func autoscale(dt: Double) {
        for pi in state.pools.indices where state.pools[pi].autoscaler != nil {
            var load = 0
            // The load of the replicas that stay: a draining one's requests would otherwise ask
            // for the replica just removed.
            for n in state.pools[pi].nodeIndices where !state.nodes[n].retiring { load += state.nodes[n].load }
            let provisioned = state.pools[pi].nodeIndices.filter { !state.nodes[$0].retiring }.count
            let delta = state.pools[pi].autoscaler!.decide(load: load, provisioned: provisioned, dt: dt)
            if delta != 0 {
                let result = perform(.scale(pool: state.pools[pi].spec.id, delta: delta),
                                     label: "autoscaler (\(load) requests, target \(Int(state.pools[pi].autoscaler!.spec.targetPerReplica)) per replica)",
                                     refusedBefore: state.pools[pi].autoscaleRefusal)
                // Refused (the fleet at its cap): said once, asked again quietly until it passes.
                if case .failure(let e) = result { state.pools[pi].autoscaleRefusal = e.description } else { state.pools[pi].autoscaleRefusal = nil }
            }
        }
    }


    /// The snapshot of the last sample; `refresh` rebuilds it now (after an action, so the
    /// screen shows the new state before the next sample).
    public func snapshot(refresh: Bool = false) -> FleetSnapshot {
        if refresh { state.lastSnapshot = nil }
        if let s = state.lastSnapshot { return s }
        let s = SnapshotAssembler.assemble(simulator: self, events: state.events.newest(200),
                                           costHistory: state.costHistory, time: state.lastSampleTime)
        state.lastSnapshot = s
        return s
    }

    /// Every node as its vLLM /metrics endpoint would show it at the last sample.
    public func expositions() -> [NodeExposition] { state.nodes.map(\.exposition) }

    /// When the next sample (and so the next snapshot) is due, in simulated seconds.
    public var nextSampleTime: Double { state.lastSampleTime + sampleInterval }

    var sourceInfo: SourceInfo {
        SourceInfo(kind: .simulation, name: scenario.name, title: scenario.title, speed: speed)
    }
}

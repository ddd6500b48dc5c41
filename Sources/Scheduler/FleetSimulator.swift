import FleetCore
import Foundation
import HeapModule

/// A discrete-event simulation of a whole LLM serving fleet: arrivals, the response cache,
/// routing to pools and nodes, each node's engine steps, external API tiers, incidents.
/// Single-threaded and deterministic for a seed; the driver owns it and publishes snapshots.
public final class FleetSimulator {
    /// Totals since the start, for tests and headless reports.
    public struct Totals: Sendable, Equatable {
        public var arrived = 0
        public var completed = 0
        public var shed = 0
        public var responseCacheHits = 0
        public var inSystem = 0
        public var sojournSum = 0.0
        /// ∫ requests-in-system dt: with `time`, the mean number in system (Little's L).
        public var inSystemIntegral = 0.0
        /// Output tokens of the completed requests.
        public var tokensOut = 0
    }

    /// One pool's arrivals, sheds and output tokens since the start.
    public struct PoolTotals: Sendable, Equatable {
        public var arrived = 0
        public var shed = 0
        public var tokensOut = 0
    }

    /// Per pool, by id: kept by index in each pool's runtime, so the hot path never hashes.
    public var poolTotals: [String: PoolTotals] {
        Dictionary(uniqueKeysWithValues: pools.map { ($0.spec.id, $0.cumulative) })
    }

    enum EventKind {
        case stepDone(node: Int, epoch: Int)
        case externalDone(SimulatedRequest, ttft: Double, e2e: Double)
        case sample
        case incidentStart(Int)
        case incidentEnd(Int)
        case action(Int)
        case nodeReady(Int)
    }

    struct ScheduledEvent: Comparable {
        let time: Double
        let seq: Int
        let kind: EventKind
        static func < (a: ScheduledEvent, b: ScheduledEvent) -> Bool { (a.time, a.seq) < (b.time, b.seq) }
        static func == (a: ScheduledEvent, b: ScheduledEvent) -> Bool { a.time == b.time && a.seq == b.seq }
    }

    public let scenario: Scenario
    public let sampleInterval: Double
    public private(set) var now: Double = 0
    public private(set) var totals = Totals()
    /// Samples taken so far: a new one means a new snapshot is worth publishing.
    public private(set) var sampleCount = 0
    public let seedUsed: UInt64
    public var speed: Double = 1

    private var queue = Heap<ScheduledEvent>()
    private var nextArrival = Double.infinity
    private var seq = 0
    private var nextRequestID = 0
    private var arrivalRandom: SeededRandom
    private var lengthRandom: SeededRandom
    private var cacheRandom: SeededRandom
    private var apiRandom: SeededRandom

    var nodes: [SimulatedNode] = []
    var pools: [PoolRuntime] = []
    /// Each class's pools and weights, which a blue/green shift moves.
    var classWeights: [[(pool: String, weight: Double)]] = [] {
        didSet { indexSplits() }
    }
    /// `classWeights` by pool index, for the arrival path.
    private var classSplits: [[(pool: Int, weight: Double)]] = []
    let historyCapacity: Int
    private var classCumulativeShares: [Double] = []
    /// The least and most important class priorities, for `shed_low_priority`.
    private let lowestPriority: Int
    private let highestPriority: Int
    /// An upper bound of the offered rate over the whole run, for thinning.
    private let rateBound: Double
    private var activeSpikes: [Int: Double] = [:] {
        didSet { spikeFactor = activeSpikes.values.reduce(1, *) }
    }
    private var spikeFactor = 1.0
    /// The daily curve's current straight piece, from `WorkloadSpec.segment`, in simulated time.
    private var curveSegment = (from: 0.0, until: -1.0, value: 1.0, slope: 0.0)
    private var events = EventBuffer()
    private var costHistory: SeriesRing
    private var lastSampleTime: Double = 0
    private var lastSnapshot: FleetSnapshot?
    /// Per-request latencies and per-pool totals for a headless report; nil in the console.
    private var report: SimulationReportCollector?

    public init(scenario: Scenario, seed: UInt64? = nil, sampleInterval: Double = 1, historyCapacity: Int = 300) {
        self.scenario = scenario
        self.sampleInterval = sampleInterval
        self.historyCapacity = historyCapacity
        classWeights = scenario.workload.classes.map(\.pools)
        lowestPriority = scenario.workload.classes.map(\.priority).min() ?? 0
        highestPriority = scenario.workload.classes.map(\.priority).max() ?? 0
        seedUsed = seed ?? scenario.seed
        var root = SeededRandom(seed: seedUsed)
        arrivalRandom = root.fork()
        lengthRandom = root.fork()
        cacheRandom = root.fork()
        apiRandom = root.fork()
        costHistory = SeriesRing(capacity: historyCapacity)

        for (pi, p) in scenario.pools.enumerated() {
            var runtime = PoolRuntime(spec: p, index: pi, historyCapacity: historyCapacity)
            if case .gpu(let g) = p.kind {
                runtime.nodesCreated = g.nodes
                for n in 0..<g.nodes {
                    runtime.nodeIndices.append(nodes.count)
                    nodes.append(SimulatedNode(id: NodeNaming.id(pool: p.id, index: n), poolIndex: pi,
                                               pool: p, spec: g))
                }
            }
            pools.append(runtime)
        }
        let spikeProduct = scenario.incidents.reduce(1.0) { acc, inc in
            if case .loadSpike(let m) = inc.kind { return acc * max(1, m) }
            return acc
        }
        rateBound = scenario.workload.peakRate * max(1, scenario.workload.dailyCurve.map(\.multiplier).max() ?? 1) * spikeProduct
        var acc = 0.0
        let totalShare = scenario.workload.classes.reduce(0) { $0 + $1.share }
        for c in scenario.workload.classes {
            acc += c.share / max(totalShare, 1e-12)
            classCumulativeShares.append(acc)
        }
        for (i, inc) in scenario.incidents.enumerated() {
            schedule(at: inc.at, .incidentStart(i))
            schedule(at: inc.at + inc.duration, .incidentEnd(i))
        }
        indexSplits()
        for (i, a) in scenario.actions.enumerated() { schedule(at: a.at, .action(i)) }
        nextArrival = rateBound > 0 ? 0 : .infinity
        schedule(at: sampleInterval, .sample)
        log(.info, .note, "scenario \(scenario.name): \(scenario.title)")
    }

    // MARK: running

    /// Processes every event up to `time` (virtual seconds since the start).
    public func advance(to time: Double) {
        while true {
            // The next candidate arrival is kept out of the heap: it is the most frequent event,
            // and always exactly one is pending.
            let eventTime = queue.min?.time ?? .infinity
            if nextArrival <= eventTime {
                guard nextArrival <= time else { break }
                totals.inSystemIntegral += Double(totals.inSystem) * (nextArrival - now)
                now = nextArrival
                arrive()
            } else {
                guard eventTime <= time, let next = queue.popMin() else { break }
                totals.inSystemIntegral += Double(totals.inSystem) * (next.time - now)
                now = next.time
                handle(next.kind)
            }
        }
        totals.inSystemIntegral += Double(totals.inSystem) * max(0, time - now)
        now = max(now, time)
    }

    func schedule(at time: Double, _ kind: EventKind) {
        seq += 1
        queue.insert(ScheduledEvent(time: time, seq: seq, kind: kind))
    }

    private func handle(_ kind: EventKind) {
        switch kind {
        case let .stepDone(n, epoch):
            let node = nodes[n]
            guard epoch == node.stepEpoch else { return }
            let (first, done) = node.completeStep(at: now)
            for r in first {
                pools[r.poolIndex].ttft.record(now - r.arrival, at: now)
                node.exposition.timeToFirstToken.observe(now - r.arrival)
            }
            for r in done {
                complete(r, ttft: (r.firstTokenTime ?? now) - r.arrival, e2e: now - r.arrival)
                node.exposition.endToEnd.observe(now - r.arrival)
                node.exposition.requestsFinished += 1
            }
            startStep(n)
        case let .externalDone(r, ttft, e2e):
            pools[r.poolIndex].ttft.record(ttft, at: now)
            complete(r, ttft: ttft, e2e: e2e)
        case .sample:
            sample()
            schedule(at: now + sampleInterval, .sample)
        case .incidentStart(let i):
            startIncident(i)
        case .incidentEnd(let i):
            endIncident(i)
        case .action(let i):
            let a = scenario.actions[i]
            perform(a.action, label: a.label)
        case .nodeReady(let n):
            guard nodes[n].state == .down, nodes[n].stateReason?.hasPrefix("starting") == true else { return }
            nodes[n].state = .up
            nodes[n].stateReason = nil
            log(.info, .node, "\(nodes[n].id) ready: serving after its cold start", pool: nodes[n].poolID, node: nodes[n].id)
        }
    }

    // MARK: arrivals and routing

    public var timeOfDay: Double { timeOfDay(at: now) }

    func timeOfDay(at time: Double) -> Double {
        (scenario.startTimeOfDay + time).truncatingRemainder(dividingBy: 86_400)
    }

    /// Requests per second offered to the fleet right now.
    public var offeredRate: Double {
        if now >= curveSegment.until || now < curveSegment.from {
            let s = scenario.workload.segment(atTimeOfDay: timeOfDay)
            curveSegment = (now, now + s.remaining, s.value, s.slope)
        }
        let multiplier = curveSegment.value + curveSegment.slope * (now - curveSegment.from)
        return scenario.workload.peakRate * multiplier * spikeFactor
    }

    /// Arrivals of a Poisson process whose rate changes with the time of day and incidents,
    /// by thinning: candidates come at the bound rate and each is kept with probability
    /// rate(now) / bound, so a spike takes effect at once even when traffic was light.
    private func arrive() {
        nextArrival = now + arrivalRandom.exponential(rate: rateBound)
        guard arrivalRandom.unit() * rateBound <= offeredRate else { return }

        let u = lengthRandom.unit()
        let ci = classCumulativeShares.firstIndex { u <= $0 } ?? classCumulativeShares.count - 1
        var pi = pickPool(ci)
        // Degrade modes act at the door: refuse, cap or send elsewhere.
        var outputCap = Int.max
        var refuseLowPriority = false, cacheOnly = false
        if !pools[pi].degradeModes.isEmpty {
            let modes = pools[pi].degradeModes
            if modes.contains(.smallerModel), let target = smallerModelPool(than: pi) { pi = target }
            else if modes.contains(.apiFallback), let target = apiPool() { pi = target }
            if modes.contains(.capMaxTokens) { outputCap = Self.degradedMaxTokens }
            let priority = scenario.workload.classes[ci].priority
            refuseLowPriority = modes.contains(.shedLowPriority) && priority <= lowestPriority && lowestPriority < highestPriority
            cacheOnly = modes.contains(.cacheOnly)
        }
        let promptTokens = scenario.workload.classes[ci].promptTokens.sample(&lengthRandom)
        let outputTokens = min(outputCap, scenario.workload.classes[ci].outputTokens.sample(&lengthRandom))
        let sharesPrefix = lengthRandom.chance(pools[pi].prefixShare)
        totals.arrived += 1
        pools[pi].cumulative.arrived += 1
        pools[pi].counters.arrivals += 1
        pools[pi].counters.baselineCost += scenario.apiBaseline.cost(input: Double(promptTokens), output: Double(outputTokens))

        if refuseLowPriority {
            shed(pool: pi)
            return
        }
        if let cache = pools[pi].cacheSpec {
            pools[pi].counters.cacheLookups += 1
            if cacheRandom.chance(cache.hitRate) {
                pools[pi].counters.cacheHits += 1
                totals.responseCacheHits += 1
                // A hit's whole life is known now: it is accounted at once (its time in the
                // system added to Little's integral) rather than as an event and an object,
                // which is most of the content platform's 9,000 requests/s.
                pools[pi].ttft.record(cache.latency, at: now)
                totals.inSystemIntegral += cache.latency
                complete(pool: pi, outputTokens: outputTokens, ttft: cache.latency, e2e: cache.latency)
                return
            }
        }
        totals.inSystem += 1
        nextRequestID += 1
        let r = SimulatedRequest(id: nextRequestID, classIndex: ci, poolIndex: pi, arrival: now,
                                 promptTokens: promptTokens, outputTokens: outputTokens,
                                 prefixKey: ci + 1, prefixTokens: sharesPrefix ? pools[pi].sharedPrefixTokens : 0)
        if cacheOnly {
            shed(r)
            return
        }
        switch pools[pi].spec.kind {
        case .api(let api):
            let ttft = api.ttftMedian * exp(api.ttftSigma * apiRandom.standardNormal())
            let e2e = ttft + Double(r.outputTokens) / api.tokensPerSecond
            pools[pi].counters.apiCost += api.price.cost(input: Double(r.promptTokens), output: Double(r.outputTokens))
            schedule(at: now + e2e, .externalDone(r, ttft: ttft, e2e: e2e))
        case .gpu(let g):
            route(r, pool: pi, spec: g)
        }
    }


    private func indexSplits() {
        classSplits = classWeights.map { split in split.map { t in (pools.firstIndex { $0.spec.id == t.pool }!, t.weight) } }
    }

    private func pickPool(_ ci: Int) -> Int {
        let split = classSplits[ci]
        var choice = split[0].pool
        if split.count > 1 {
            let total = split.reduce(0) { $0 + $1.weight }
            var u = lengthRandom.unit() * total
            for t in split {
                u -= t.weight
                if u <= 0 { choice = t.pool; break }
            }
        }
        return choice
    }

    /// Join the shortest queue among the pool's live nodes; shed when even that one is full.
    func route(_ r: SimulatedRequest, pool pi: Int, spec: GPUPoolSpec) {
        var best: Int?
        var bestLoad = Int.max
        let candidates = pools[pi].nodeIndices
        let start = pools[pi].roundRobin
        for k in 0..<candidates.count {
            let n = candidates[(start + k) % candidates.count]
            let node = nodes[n]
            guard node.state != .down, node.state != .draining else { continue }
            if node.load < bestLoad { best = n; bestLoad = node.load }
        }
        pools[pi].roundRobin = (start + 1) % max(1, candidates.count)
        guard let n = best, nodes[n].waiting.count < spec.maxQueuePerNode,
              r.totalTokens <= nodes[n].kvCapacityTokens else {
            shed(r)
            return
        }
        nodes[n].enqueue(r)
        if !nodes[n].isBusy {
            startStep(n)
        } else if let end = nodes[n].cutRun(at: now) {
            schedule(at: end, .stepDone(node: n, epoch: nodes[n].stepEpoch))
        }
    }

    private func startStep(_ n: Int) {
        if let plan = nodes[n].planStep(at: now) {
            schedule(at: now + plan.duration, .stepDone(node: n, epoch: nodes[n].stepEpoch))
        }
    }

    private func complete(_ r: SimulatedRequest, ttft: Double, e2e: Double) {
        totals.inSystem -= 1
        complete(pool: r.poolIndex, outputTokens: r.outputTokens, ttft: ttft, e2e: e2e)
    }

    private func complete(pool pi: Int, outputTokens: Int, ttft: Double, e2e: Double) {
        report?.complete(pool: pi, ttft: ttft, e2e: e2e, outputTokens: outputTokens, objectives: pools[pi].spec.objectives)
        totals.completed += 1
        totals.tokensOut += outputTokens
        pools[pi].cumulative.tokensOut += outputTokens
        totals.sojournSum += e2e
        pools[pi].e2e.record(e2e, at: now)
        pools[pi].counters.completions += 1
        pools[pi].counters.tokensOut += outputTokens
    }

    private func shed(_ r: SimulatedRequest) {
        totals.inSystem -= 1
        shed(pool: r.poolIndex)
    }

    /// Refused before it became a request in the system.
    private func shed(pool pi: Int) {
        totals.shed += 1
        pools[pi].cumulative.shed += 1
        pools[pi].counters.shed += 1
    }

    // MARK: incidents

    private func startIncident(_ i: Int) {
        let inc = scenario.incidents[i]
        switch inc.kind {
        case .loadSpike(let m):
            activeSpikes[i] = m
            log(.warning, .incident, String(format: "incident: %@ (load x%.1f for %@)", inc.label, m,
                                            Format.duration(inc.duration)))
        case let .nodeDown(nodeID, reason):
            guard let n = nodes.firstIndex(where: { $0.id == nodeID }) else { return }
            let node = nodes[n]
            let evacuated = node.evacuate()
            node.state = .down
            node.stateReason = reason
            // A scripted failure is an incident: it marks the replay timeline like a load spike.
            log(.critical, .incident, "incident: node \(nodeID) down: \(reason); \(evacuated.count) requests rerouted",
                pool: pools[node.poolIndex].spec.id, node: nodeID)
            if case .gpu(let g) = pools[node.poolIndex].spec.kind {
                for r in evacuated { route(r, pool: node.poolIndex, spec: g) }
            }
        }
    }

    private func endIncident(_ i: Int) {
        let inc = scenario.incidents[i]
        switch inc.kind {
        case .loadSpike:
            activeSpikes[i] = nil
            log(.info, .incident, "incident over: \(inc.label)")
        case .nodeDown(let nodeID, _):
            guard let n = nodes.firstIndex(where: { $0.id == nodeID }) else { return }
            nodes[n].state = .up
            nodes[n].stateReason = nil
            log(.info, .node, "node \(nodeID) back up", pool: pools[nodes[n].poolIndex].spec.id, node: nodeID)
        }
    }

    func log(_ severity: FleetEvent.Severity, _ kind: FleetEvent.Kind, _ message: String,
             pool: String? = nil, node: String? = nil) {
        events.append(FleetEvent(time: now, severity: severity, kind: kind, message: message, pool: pool, node: node))
    }

    // MARK: sampling

    private func sample() {
        removeDrainedNodes()
        let dt = max(1e-9, now - lastSampleTime)
        lastSampleTime = now
        let second = Int(now.rounded(.down))
        if let report { collect(into: report, dt: dt) }
        for n in nodes.indices { sampleNode(nodes[n], dt: dt) }
        for pi in pools.indices {
            pools[pi].ttft.expire(upTo: second)
            pools[pi].e2e.expire(upTo: second)
            let nodeList = pools[pi].nodeIndices.map { nodes[$0] }
            for message in pools[pi].sample(dt: dt, nodes: nodeList) {
                log(message.severity, message.kind, message.text, pool: pools[pi].spec.id)
            }
        }
        costHistory.append(pools.reduce(0) { $0 + $1.dollarsPerHour })
        sampleCount += 1
        lastSnapshot = nil
    }

    private func sampleNode(_ node: SimulatedNode, dt: Double) {
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
        if node.state != .down {
            if c.preemptions > 0 {
                node.state = .degraded
                node.stateReason = "KV cache full: \(c.preemptions) preemptions"
            } else if node.state == .degraded {
                node.state = .up
                node.stateReason = nil
            }
        }
        node.history.append(at: now, gpuUtilization: node.lastSample.utilization, kvCacheUsage: node.kvUsage,
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
        node.counters = SimulatedNode.Counters()
    }

    // MARK: headless reports

    /// Starts collecting what `report(duration:)` returns (per-request latencies in
    /// HdrHistograms); costs a little per request, so the console does not.
    public func collectReport() {
        report = SimulationReportCollector(objectiveCounts: pools.map(\.spec.objectives.count))
    }

    private func collect(into report: SimulationReportCollector, dt: Double) {
        for (pi, p) in pools.enumerated() {
            var waiting = 0, prefixQueries = 0, prefixHits = 0, preemptions = 0
            for n in p.nodeIndices {
                let node = nodes[n]
                waiting += node.waiting.count
                prefixQueries += node.counters.prefixQueryTokens
                prefixHits += node.counters.prefixHitTokens
                preemptions += node.counters.preemptions
            }
            var cost = p.counters.apiCost
            if case .gpu = p.spec.kind { cost += p.dollarsPerHour * dt / 3600 }
            report.sample(pool: pi, waiting: waiting, costUSD: cost, cacheLookups: p.counters.cacheLookups,
                          cacheHits: p.counters.cacheHits, prefixQueries: prefixQueries, prefixHits: prefixHits,
                          preemptions: preemptions)
        }
    }

    /// The run so far, per pool. Nil unless `collectReport()` was called before the run.
    public func report(duration: Double) -> SimulationReport? {
        guard let report else { return nil }
        var out: [SimulationReport.Pool] = []
        for (pi, p) in pools.enumerated() {
            let acc = report.pools[pi]
            let c = p.cumulative
            let slo = p.spec.objectives.enumerated().map { i, o -> SimulationReport.SLOResult in
                let attainment = c.arrived > 0 ? Double(acc.withinTarget[i]) / Double(c.arrived) : 1
                return SimulationReport.SLOResult(metric: o.metric.rawValue, percentile: o.percentile, targetSeconds: o.target,
                                                  attainment: attainment, met: attainment >= Double(o.percentile) / 100)
            }
            let kind: String
            switch p.spec.kind { case .gpu: kind = "gpu"; case .api: kind = "api" }
            out.append(SimulationReport.Pool(
                pool: p.spec.id, kind: kind, nodes: p.nodeIndices.count, requests: c.arrived, completed: acc.completed,
                shed: c.shed, throughputRPS: Double(acc.completed) / max(duration, 1e-9),
                outputTokensPerSecond: Double(c.tokensOut) / max(duration, 1e-9),
                ttft: SimulationReportCollector.quantiles(acc.ttft), tpot: SimulationReportCollector.quantiles(acc.tpot),
                e2e: SimulationReportCollector.quantiles(acc.e2e), queuePeak: acc.queuePeak,
                responseCacheHitRate: acc.cacheLookups > 0 ? Double(acc.cacheHits) / Double(acc.cacheLookups) : nil,
                prefixCacheHitRate: acc.prefixQueries > 0 ? Double(acc.prefixHits) / Double(acc.prefixQueries) : nil,
                preemptions: acc.preemptions, costUSD: acc.costUSD, slo: slo))
        }
        return SimulationReport(scenario: scenario.name, seed: seedUsed, durationSeconds: duration,
                                requests: totals.arrived, completed: totals.completed, shed: totals.shed,
                                costUSD: out.reduce(0) { $0 + $1.costUSD }, pools: out)
    }

    // MARK: snapshots

    /// The snapshot of the last sample; `refresh` rebuilds it now (after an action, so the
    /// screen shows the new state before the next sample).
    public func snapshot(refresh: Bool = false) -> FleetSnapshot {
        if refresh { lastSnapshot = nil }
        if let s = lastSnapshot { return s }
        let s = SnapshotAssembler.assemble(simulator: self, events: events.newest(200),
                                           costHistory: costHistory, time: lastSampleTime)
        lastSnapshot = s
        return s
    }

    /// Every node as its vLLM /metrics endpoint would show it at the last sample.
    public func expositions() -> [NodeExposition] { nodes.map(\.exposition) }

    /// When the next sample (and so the next snapshot) is due, in simulated seconds.
    public var nextSampleTime: Double { lastSampleTime + sampleInterval }

    var sourceInfo: SourceInfo {
        SourceInfo(kind: .simulation, name: scenario.name, title: scenario.title, speed: speed)
    }
}

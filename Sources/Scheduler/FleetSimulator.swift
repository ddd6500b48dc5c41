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
        /// Of `shed`, refused by a degrade mode on purpose.
        public var refused = 0
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
        case followUp(FollowUp)
        /// The `index`-th request of class `classIndex`'s trace arrives.
        case traceArrival(classIndex: Int, index: Int)
    }

    /// An event in the heap: plain data, so the heap moves it without reference counting. A
    /// step's end (most events) is held inline; any other kind waits in `payloads[slot]`.
    struct ScheduledEvent: Comparable {
        let time: Double
        let seq: Int
        /// The node whose step ends, or -1 - slot.
        let node: Int
        let epoch: Int
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
    /// The events that are not a step's end, by slot; nil marks a free slot.
    private var payloads: [EventKind?] = []
    private var freeSlots: [Int] = []
    private var nextArrival = Double.infinity
    private var seq = 0
    private var nextRequestID = 0
    private var arrivalRandom: SeededRandom
    private var lengthRandom: SeededRandom
    private var cacheRandom: SeededRandom
    private var apiRandom: SeededRandom
    private var sessionRandom: SeededRandom
    private var nextSessionID = 0

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
    /// For a draw past the last cumulative share (rounding): the last class not driven by a trace.
    private var lastPoissonClass = 0
    /// The least and most important class priorities, for `shed_low_priority`.
    private let lowestPriority: Int
    private let highestPriority: Int
    /// An upper bound of the offered rate over the whole run, for thinning.
    private var rateBound: Double
    private var activeSpikes: [Int: (multiplier: Double, start: Double, ramp: Double)] = [:] {
        didSet {
            spikeFactor = activeSpikes.values.reduce(1) { $0 * $1.multiplier }
            spikeRampsUntil = activeSpikes.values.map { $0.start + $0.ramp }.max() ?? -.infinity
        }
    }
    /// Every active spike at full strength; until `spikeRampsUntil` some are still rising.
    private var spikeFactor = 1.0
    private var spikeRampsUntil = -Double.infinity
    /// Set on a what-if fork: the offered rate it follows instead of the daily curve and incidents.
    private var arrivalPath: ArrivalPath?
    /// The daily curve's current straight piece, from `WorkloadSpec.segment`, in simulated time.
    private var curveSegment = (from: 0.0, until: -1.0, value: 1.0, slope: 0.0)
    private var events = EventBuffer()
    private var costHistory: SeriesRing
    private var lastSampleTime: Double = 0
    private var lastSnapshot: FleetSnapshot?
    /// Per-request latencies and per-pool totals for a headless report; nil in the console.
    private var report: SimulationReportCollector?
    /// The fleet's totals when the report started: the report counts what came after.
    private var reportStart = Totals()
    /// Off in a what-if fork: nodes' graphs and /metrics figures, which nobody reads there.
    private var keepsNodeHistory = true

    public init(scenario: Scenario, seed: UInt64? = nil, sampleInterval: Double = 1, historyCapacity: Int = 300) {
        self.scenario = scenario
        self.sampleInterval = sampleInterval
        self.historyCapacity = historyCapacity
        classWeights = scenario.workload.classes.map(\.pools)
        lowestPriority = scenario.workload.classes.map(\.priority).min() ?? 0
        highestPriority = scenario.workload.classes.map(\.priority).max() ?? 0
        seedUsed = seed ?? scenario.seed
        (arrivalRandom, lengthRandom, cacheRandom, apiRandom, sessionRandom) = Self.streams(seedUsed)
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
            if case .loadSpike(let m, _) = inc.kind { return acc * max(1, m) }
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
        for (ci, c) in scenario.workload.classes.enumerated() {
            if let first = c.trace?.first { schedule(at: first.arrival, .traceArrival(classIndex: ci, index: 0)) }
            if c.trace == nil { lastPoissonClass = ci }
        }
        nextArrival = rateBound > 0 ? 0 : .infinity
        schedule(at: sampleInterval, .sample)
        log(.info, .note, "scenario \(scenario.name): \(scenario.title)")
    }

    /// A what-if copy of `other` as it stands: the same nodes, queues, requests in flight, KV
    /// and response caches, cold starts and degrade modes, with its own random streams from
    /// `seed`. What the advisor cannot know is left out: the scenario's incidents and scripted
    /// actions still to come (an incident in progress stays as it is). Until `follow(_:)`, it
    /// keeps the daily curve.
    public init(forking other: FleetSimulator, seed: UInt64) {
        scenario = other.scenario
        sampleInterval = other.sampleInterval
        historyCapacity = other.historyCapacity
        now = other.now
        totals = other.totals
        sampleCount = other.sampleCount
        seedUsed = seed
        speed = other.speed
        (arrivalRandom, lengthRandom, cacheRandom, apiRandom, sessionRandom) = Self.streams(seed)
        nextSessionID = other.nextSessionID
        seq = other.seq
        nextRequestID = other.nextRequestID
        let requests = RequestCopies()
        nodes = other.nodes.map { SimulatedNode(copying: $0, requests: requests) }
        pools = other.pools.map { $0.forked() }
        classWeights = other.classWeights
        classSplits = other.classSplits
        classCumulativeShares = other.classCumulativeShares
        lastPoissonClass = other.lastPoissonClass
        lowestPriority = other.lowestPriority
        highestPriority = other.highestPriority
        rateBound = other.rateBound
        arrivalPath = other.arrivalPath
        activeSpikes = other.activeSpikes
        spikeFactor = other.spikeFactor
        spikeRampsUntil = other.spikeRampsUntil
        curveSegment = other.curveSegment
        events = other.events
        costHistory = other.costHistory
        lastSampleTime = other.lastSampleTime
        queue = other.queue
        freeSlots = other.freeSlots
        payloads = other.payloads.map { kind in
            switch kind {
            // Left in the heap as free slots, which are skipped.
            case .incidentStart?, .incidentEnd?, .action?: return nil
            case let .externalDone(r, ttft, e2e)?: return .externalDone(requests(r), ttft: ttft, e2e: e2e)
            default: return kind
            }
        }
        nextArrival = other.nextArrival
        keepsNodeHistory = false
    }

    /// One independent stream per concern, forked from `seed` in a fixed order: a run (or a
    /// fork) is reproducible from its seed, and drawing more of one never shifts another.
    private static func streams(_ seed: UInt64)
        -> (SeededRandom, SeededRandom, SeededRandom, SeededRandom, SeededRandom) {
        var root = SeededRandom(seed: seed)
        return (root.fork(), root.fork(), root.fork(), root.fork(), root.fork())
    }

    /// Makes a fork's arrivals follow `path` (a forecast of the fleet's offered rate) in
    /// place of the daily curve and load spikes.
    public func follow(_ path: ArrivalPath) {
        arrivalPath = path
        rateBound = max(path.peak, 1e-9)
        nextArrival = path.peak > 0 ? now + arrivalRandom.exponential(rate: rateBound) : .infinity
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
                if next.node >= 0 {
                    stepDone(node: next.node, epoch: next.epoch)
                } else {
                    let slot = -1 - next.node
                    let kind = payloads[slot]
                    payloads[slot] = nil
                    freeSlots.append(slot)
                    if let kind { handle(kind) }
                }
            }
        }
        totals.inSystemIntegral += Double(totals.inSystem) * max(0, time - now)
        now = max(now, time)
    }

    func schedule(at time: Double, _ kind: EventKind) {
        seq += 1
        if case let .stepDone(n, epoch) = kind {
            queue.insert(ScheduledEvent(time: time, seq: seq, node: n, epoch: epoch))
            return
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            payloads[slot] = kind
        } else {
            slot = payloads.count
            payloads.append(kind)
        }
        queue.insert(ScheduledEvent(time: time, seq: seq, node: -1 - slot, epoch: 0))
    }

    /// A node's step (or run of steps) ended: its first tokens and finished requests, then its next step.
    private func stepDone(node n: Int, epoch: Int) {
        let node = nodes[n]
        guard epoch == node.stepEpoch else { return }
        let (first, done) = node.completeStep(at: now)
        for r in first {
            pools[r.poolIndex].ttft.record(now - r.arrival, at: now)
            if keepsNodeHistory { node.exposition.timeToFirstToken.observe(now - r.arrival) }
        }
        for r in done {
            complete(r, ttft: (r.firstTokenTime ?? now) - r.arrival, e2e: now - r.arrival)
            if keepsNodeHistory {
                node.exposition.endToEnd.observe(now - r.arrival)
                node.exposition.requestsFinished += 1
            }
        }
        startStep(n)
    }

    private func handle(_ kind: EventKind) {
        switch kind {
        case let .stepDone(n, epoch):
            stepDone(node: n, epoch: epoch)
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
        case .followUp(let turn):
            admit(classIndex: turn.classIndex, pool: turn.pool, turn: turn)
        case let .traceArrival(ci, i):
            let trace = scenario.workload.classes[ci].trace!
            if i + 1 < trace.count { schedule(at: trace[i + 1].arrival, .traceArrival(classIndex: ci, index: i + 1)) }
            admit(classIndex: ci, pool: pickPool(ci), turn: nil, lengths: (trace[i].promptTokens, trace[i].outputTokens))
        case .nodeReady(let n):
            guard nodes[n].state == .down, nodes[n].stateReason?.hasPrefix("starting") == true else { return }
            nodes[n].state = .up
            nodes[n].stateReason = nil
            log(.info, .node, "\(nodes[n].id) ready: serving after its cold start", pool: nodes[n].poolID, node: nodes[n].id)
        }
    }

    // MARK: arrivals and routing

    public var timeOfDay: Double { timeOfDay(at: now) }

    public func timeOfDay(at time: Double) -> Double {
        (scenario.startTimeOfDay + time).truncatingRemainder(dividingBy: 86_400)
    }

    /// Requests per second offered to the fleet right now.
    public var offeredRate: Double {
        if let arrivalPath { return arrivalPath.rate(at: now) }
        if now >= curveSegment.until || now < curveSegment.from {
            let s = scenario.workload.segment(atTimeOfDay: timeOfDay)
            curveSegment = (now, now + s.remaining, s.value, s.slope)
        }
        let multiplier = curveSegment.value + curveSegment.slope * (now - curveSegment.from)
        return scenario.workload.peakRate * multiplier * currentSpikeFactor
    }

    private var currentSpikeFactor: Double {
        guard now < spikeRampsUntil else { return spikeFactor }
        return activeSpikes.values.reduce(1) { f, s in
            f * (s.ramp > 0 ? 1 + (s.multiplier - 1) * min(1, max(0, (now - s.start) / s.ramp)) : s.multiplier)
        }
    }

    /// Arrivals of a Poisson process whose rate changes with the time of day and incidents,
    /// by thinning: candidates come at the bound rate and each is kept with probability
    /// rate(now) / bound, so a spike takes effect at once even when traffic was light.
    private func arrive() {
        nextArrival = now + arrivalRandom.exponential(rate: rateBound)
        guard arrivalRandom.unit() * rateBound <= offeredRate else { return }

        let u = lengthRandom.unit()
        let ci = classCumulativeShares.firstIndex { u <= $0 } ?? lastPoissonClass
        admit(classIndex: ci, pool: pickPool(ci), turn: nil)
    }

    /// A conversation's next turn: the context so far, and the turns after this one.
    struct FollowUp {
        var classIndex: Int
        var pool: Int
        var sessionKey: Int
        var contextTokens: Int
        var turnsLeft: Int
    }

    /// Session keys live above class keys (small) and below nothing else.
    static let sessionKeyBase = 1 << 40

    /// A request of class `ci` for pool `pi` enters the fleet: a new one, or a conversation's
    /// next turn.
    private func admit(classIndex ci: Int, pool: Int, turn: FollowUp?, lengths: (prompt: Int, output: Int)? = nil) {
        var pi = pool
        // Degrade modes act at the door: refuse, cap or send elsewhere.
        var outputCap = Int.max
        var refuseLowPriority = false, cacheOnly = false
        // API fallback takes what the pool's response cache cannot answer.
        var overflow: Int?
        if !pools[pi].degradeModes.isEmpty {
            let modes = pools[pi].degradeModes
            if modes.contains(.smallerModel), let target = smallerModelPool(than: pi) { pi = target }
            else if modes.contains(.apiFallback), let target = apiPool() { overflow = target }
            if modes.contains(.capMaxTokens) { outputCap = DegradeMode.cappedMaxTokens }
            let priority = scenario.workload.classes[ci].priority
            refuseLowPriority = modes.contains(.shedLowPriority) && priority <= lowestPriority && lowestPriority < highestPriority
            cacheOnly = modes.contains(.cacheOnly)
        }
        var promptTokens = lengths?.prompt ?? scenario.workload.classes[ci].promptTokens.sample(&lengthRandom)
        let outputTokens = min(outputCap, lengths?.output ?? scenario.workload.classes[ci].outputTokens.sample(&lengthRandom))
        var prefixKey = 0, prefixTokens = 0, turnsLeft = 0
        if let turn {
            promptTokens += turn.contextTokens
            prefixKey = turn.sessionKey
            prefixTokens = turn.contextTokens
            turnsLeft = turn.turnsLeft
        } else if let session = scenario.workload.classes[ci].session {
            nextSessionID += 1
            prefixKey = Self.sessionKeyBase + nextSessionID
            turnsLeft = lengthRandom.geometric(mean: session.meanTurns) - 1
        } else if lengthRandom.chance(pools[pi].prefixShare) {
            prefixKey = ci + 1
            prefixTokens = pools[pi].sharedPrefixTokens
        }
        totals.arrived += 1
        let baselineCost = scenario.apiBaseline.cost(input: Double(promptTokens), output: Double(outputTokens))

        if refuseLowPriority {
            countArrival(pool: pi, baselineCost: baselineCost)
            shed(pool: pi)
            pools[pi].cumulative.refused += 1
            return
        }
        var cacheKey = 0
        // A conversation's answers are its own: no stored answer fits any of its turns.
        if turn == nil, scenario.workload.classes[ci].session == nil, let cache = pools[pi].cacheSpec {
            pools[pi].counters.cacheLookups += 1
            let hit: Bool
            if let model = pools[pi].cacheModel {
                cacheKey = model.key(&cacheRandom)
                hit = model.lookup(cacheKey, now: now)
            } else {
                hit = cacheRandom.chance(cache.hitRate)
            }
            if hit {
                countArrival(pool: pi, baselineCost: baselineCost)
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
        if let overflow {
            pi = overflow
            cacheKey = 0
        }
        countArrival(pool: pi, baselineCost: baselineCost)
        totals.inSystem += 1
        nextRequestID += 1
        let r = SimulatedRequest(id: nextRequestID, classIndex: ci, poolIndex: pi, arrival: now,
                                 promptTokens: promptTokens, outputTokens: outputTokens,
                                 prefixKey: prefixKey, prefixTokens: prefixTokens)
        r.cacheKey = cacheKey
        r.turnsLeft = turnsLeft
        if cacheOnly {
            shed(r)
            pools[pi].cumulative.refused += 1
            return
        }
        switch pools[pi].spec.kind {
        case .api(let api):
            if pools[pi].apiQuota != nil, !pools[pi].apiQuota!.take(at: now) {
                // The provider answered 429: over its quota.
                shed(r)
                return
            }
            let ttft = api.ttftMedian * exp(api.ttftSigma * apiRandom.standardNormal())
            let e2e = ttft + Double(r.outputTokens) / api.tokensPerSecond
            pools[pi].counters.apiCost += api.price.cost(input: Double(r.promptTokens), output: Double(r.outputTokens))
            schedule(at: now + e2e, .externalDone(r, ttft: ttft, e2e: e2e))
        case .gpu(let g):
            route(r, pool: pi, spec: g)
        }
    }


    /// Counted where it is answered: the pool's cache, or the tier it overflows to.
    private func countArrival(pool pi: Int, baselineCost: Double) {
        pools[pi].cumulative.arrived += 1
        pools[pi].counters.arrivals += 1
        pools[pi].counters.baselineCost += baselineCost
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

    /// Picks a live node by the pool's router policy; sheds when that node's queue is full or
    /// the request could never fit its KV cache.
    func route(_ r: SimulatedRequest, pool pi: Int, spec: GPUPoolSpec) {
        let candidates = pools[pi].nodeIndices
        let start = pools[pi].roundRobin
        pools[pi].roundRobin = (start + 1) % max(1, candidates.count)
        // Least loaded (the others fall back to it), ties to the next in turn.
        var best: Int?
        var bestLoad = Int.max
        var firstLive: Int?
        for k in 0..<candidates.count {
            let n = candidates[(start + k) % candidates.count]
            let node = nodes[n]
            guard node.state != .down, node.state != .draining else { continue }
            if firstLive == nil { firstLive = n }
            if node.load < bestLoad { best = n; bestLoad = node.load }
        }
        let leastLoaded = best
        switch spec.router {
        case .leastLoaded:
            break
        case .roundRobin:
            best = firstLive
        case .prefixAffinity:
            // Conversations only: a class's system prompt is hot on every node within seconds,
            // so pinning it to one node would buy no cache and cost the balance.
            if r.prefixKey >= Self.sessionKeyBase, let home = affinityNode(key: r.prefixKey, candidates: candidates),
               nodes[home].load <= 2 * bestLoad + Self.affinitySlack {
                best = home
            }
        }
        if let chosen = best, nodes[chosen].waiting.count >= spec.maxQueuePerNode, let least = leastLoaded {
            best = least
        }
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

    /// How many requests more than twice the least loaded node's a prefix's home node may
    /// carry before affinity gives way to balance.
    static let affinitySlack = 8

    /// Rendezvous hashing: the live node with the highest hash of (key, node id) is the key's
    /// home, so a node joining or leaving moves only its own keys.
    private func affinityNode(key: Int, candidates: [Int]) -> Int? {
        var best: Int?
        var bestHash: UInt64 = 0
        for n in candidates where nodes[n].state != .down && nodes[n].state != .draining {
            var h = UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15 ^ nodes[n].idHash
            h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            if best == nil || h > bestHash { best = n; bestHash = h }
        }
        return best
    }

    private func startStep(_ n: Int) {
        if let plan = nodes[n].planStep(at: now) {
            schedule(at: now + plan.duration, .stepDone(node: n, epoch: nodes[n].stepEpoch))
        }
    }

    private func complete(_ r: SimulatedRequest, ttft: Double, e2e: Double) {
        totals.inSystem -= 1
        if r.turnsLeft > 0, let session = scenario.workload.classes[r.classIndex].session {
            let think = session.meanThinkTime > 0 ? sessionRandom.exponential(rate: 1 / session.meanThinkTime) : 0
            schedule(at: now + think, .followUp(FollowUp(classIndex: r.classIndex, pool: r.poolIndex, sessionKey: r.prefixKey,
                                                         contextTokens: r.promptTokens + r.outputTokens,
                                                         turnsLeft: r.turnsLeft - 1)))
        }
        if r.cacheKey != 0 { pools[r.poolIndex].cacheModel?.store(r.cacheKey, now: now) }
        report?.logRequest(pool: r.poolIndex, prompt: r.promptTokens, ttft: ttft)
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
        case .cacheFlush(let id):
            guard let pi = pools.firstIndex(where: { $0.spec.id == id }) else { return }
            let lost = pools[pi].cacheModel?.count ?? 0
            pools[pi].cacheModel?.flush()
            log(.warning, .incident, "incident: \(inc.label) (\(lost) answers lost)", pool: id)
        case let .apiQuota(id, rps):
            guard let pi = pools.firstIndex(where: { $0.spec.id == id }) else { return }
            pools[pi].apiQuota = TokenBucket(rate: rps)
            log(.warning, .incident, "incident: \(inc.label) for \(Format.duration(inc.duration))", pool: id)
        case let .loadSpike(m, ramp):
            activeSpikes[i] = (m, now, ramp)
            log(.warning, .incident, String(format: "incident: %@ (load x%.1f%@ for %@)", inc.label, m,
                                            ramp > 0 ? " over \(Format.duration(ramp))" : "", Format.duration(inc.duration)))
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
        case .cacheFlush:
            break
        case .apiQuota(let id, _):
            guard let pi = pools.firstIndex(where: { $0.spec.id == id }) else { return }
            if case .api(let a) = pools[pi].spec.kind { pools[pi].apiQuota = a.rateLimit.map { TokenBucket(rate: $0) } }
            log(.info, .incident, "incident over: \(inc.label)", pool: id)
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
        autoscale(dt: dt)
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
        guard keepsNodeHistory else { return }
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
    }

    /// Each autoscaled pool's decision for this sample, acted on as an operator's scale would be.
    private func autoscale(dt: Double) {
        for pi in pools.indices where pools[pi].autoscaler != nil {
            var load = 0
            // The load of the replicas that stay: a draining one's requests would otherwise ask
            // for the replica just removed.
            for n in pools[pi].nodeIndices where !nodes[n].retiring { load += nodes[n].load }
            let provisioned = pools[pi].nodeIndices.filter { !nodes[$0].retiring }.count
            let delta = pools[pi].autoscaler!.decide(load: load, provisioned: provisioned, dt: dt)
            if delta != 0 {
                perform(.scale(pool: pools[pi].spec.id, delta: delta),
                        label: "autoscaler (\(load) requests, target \(Int(pools[pi].autoscaler!.spec.targetPerReplica)) per replica)")
            }
        }
    }

    // MARK: headless reports

    /// Starts collecting what `report(duration:)` returns (per-request latencies in
    /// HdrHistograms); costs a little per request, so the console does not.
    public func collectReport(logRequests: Int = 0) {
        report = SimulationReportCollector(objectiveCounts: pools.map(\.spec.objectives.count), logRequests: logRequests,
                                           resolution: keepsNodeHistory ? .report : .whatIf)
        // The report covers what happens from now on (a fork's report, its horizon).
        for pi in pools.indices { pools[pi].cumulative = PoolTotals() }
        reportStart = totals
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
                let decided = acc.completed + c.shed - c.refused
                let attainment = decided > 0 ? Double(acc.withinTarget[i]) / Double(decided) : 1
                return SimulationReport.SLOResult(metric: o.metric.rawValue, percentile: o.percentile, targetSeconds: o.target,
                                                  attainment: attainment, met: attainment >= Double(o.percentile) / 100)
            }
            let kind: String
            switch p.spec.kind { case .gpu: kind = "gpu"; case .api: kind = "api" }
            out.append(SimulationReport.Pool(
                pool: p.spec.id, kind: kind, nodes: p.nodeIndices.count, requests: c.arrived, completed: acc.completed,
                shed: c.shed, refused: c.refused, throughputRPS: Double(acc.completed) / max(duration, 1e-9),
                outputTokensPerSecond: Double(c.tokensOut) / max(duration, 1e-9),
                ttft: SimulationReportCollector.quantiles(acc.ttft), tpot: SimulationReportCollector.quantiles(acc.tpot),
                e2e: SimulationReportCollector.quantiles(acc.e2e), queuePeak: acc.queuePeak,
                responseCacheHitRate: acc.cacheLookups > 0 ? Double(acc.cacheHits) / Double(acc.cacheLookups) : nil,
                prefixCacheHitRate: acc.prefixQueries > 0 ? Double(acc.prefixHits) / Double(acc.prefixQueries) : nil,
                preemptions: acc.preemptions, costUSD: acc.costUSD, slo: slo))
        }
        return SimulationReport(scenario: scenario.name, seed: seedUsed, durationSeconds: duration,
                                requests: totals.arrived - reportStart.arrived, completed: totals.completed - reportStart.completed,
                                shed: totals.shed - reportStart.shed,
                                costUSD: out.reduce(0) { $0 + $1.costUSD }, pools: out)
    }

    /// The requests answered by a pool's engines or API (not its cache) since `collectReport(logRequests:)`.
    func requestLog(pool pi: Int) -> [SimulationReportCollector.LoggedRequest] {
        report?.log.filter { $0.pool == pi } ?? []
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

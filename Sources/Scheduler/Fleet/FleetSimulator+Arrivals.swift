import FleetCore
import Foundation

extension FleetSimulator {
    public var timeOfDay: Double { timeOfDay(at: state.now) }

    public func timeOfDay(at time: Double) -> Double {
        (scenario.startTimeOfDay + time).truncatingRemainder(dividingBy: 86_400)
    }

    /// Requests per second offered to the fleet right now.
    public var offeredRate: Double {
        if let path = state.arrivalPath { return path.rate(at: state.now) }
        if state.now >= state.curveSegment.until || state.now < state.curveSegment.from {
            let s = scenario.workload.segment(atTimeOfDay: timeOfDay)
            state.curveSegment = (state.now, state.now + s.remaining, s.value, s.slope)
        }
        let multiplier = state.curveSegment.value + state.curveSegment.slope * (state.now - state.curveSegment.from)
        return scenario.workload.peakRate * multiplier * currentSpikeFactor
    }

    var currentSpikeFactor: Double {
        guard state.now < state.spikeRampsUntil else { return state.spikeFactor }
        return state.activeSpikes.values.reduce(1) { f, s in
            f * (s.ramp > 0 ? 1 + (s.multiplier - 1) * min(1, max(0, (state.now - s.start) / s.ramp)) : s.multiplier)
        }
    }

    /// Arrivals of a Poisson process whose rate changes with the time of day and incidents,
    /// by thinning: candidates come at the bound rate and each is kept with probability
    /// rate(now) / bound, so a spike takes effect at once even when traffic was light.
    func arrive() {
        state.nextArrival = state.now + state.random.arrival.exponential(rate: state.rateBound * state.sliceKeep)
        guard state.random.arrival.unit() * state.rateBound <= offeredRate else { return }

        let u = state.random.length.unit()
        let ci = classes.cumulativeShares.firstIndex { u <= $0 } ?? classes.lastPoissonClass
        admit(classIndex: ci, pool: pickPool(ci), turn: nil, sliced: true)
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
    /// What a pool's degrade modes do to one request of class `ci` at the door.
    struct DoorPolicy {
        /// The pool it goes to: its own, or the smaller model tier.
        var pool: Int
        /// API fallback: where what the pool's response cache cannot answer goes.
        var overflow: Int?
        var outputCap = Int.max
        /// Shed low priority, and this is the least important class.
        var refuse = false
        /// Cache only: a miss is refused.
        var cacheOnly = false
    }

    func doorPolicy(classIndex ci: Int, pool pi: Int) -> DoorPolicy {
        var door = DoorPolicy(pool: pi)
        let modes = state.pools[pi].degradeModes
        guard !modes.isEmpty else { return door }
        if modes.contains(.smallerModel), let target = smallerModelPool(than: pi) { door.pool = target }
        else if modes.contains(.apiFallback), let target = apiPool() { door.overflow = target }
        if modes.contains(.capMaxTokens) { door.outputCap = DegradeMode.cappedMaxTokens }
        let priority = scenario.workload.classes[ci].priority
        door.refuse = modes.contains(.shedLowPriority) && priority <= classes.lowestPriority && classes.lowestPriority < classes.highestPriority
        door.cacheOnly = modes.contains(.cacheOnly)
        return door
    }

    /// `sliced`: a Poisson arrival, which a sliced pool keeps its share of (`PoolSlice`).
    func admit(classIndex ci: Int, pool: Int, turn: FollowUp?, lengths: (prompt: Int, output: Int)? = nil,
               hashed: TraceRequest? = nil, sliced: Bool = false) {
        let door = doorPolicy(classIndex: ci, pool: pool)
        guard !sliced || keepsArrival(pool: door.pool) else { return }
        var pi = door.pool
        let outputCap = door.outputCap
        var promptTokens = lengths?.prompt ?? scenario.workload.classes[ci].promptTokens.sample(&state.random.length)
        let outputTokens = min(outputCap, lengths?.output ?? scenario.workload.classes[ci].outputTokens.sample(&state.random.length))
        var prefixKey = 0, prefixTokens = 0, turnsLeft = 0
        if let hashed, !hashed.blockHashes.isEmpty {
            // The trace says which prompts share which blocks: the cache works by its hashes.
            prefixTokens = hashed.hashedPrefixTokens
        } else if let turn {
            promptTokens += turn.contextTokens
            prefixKey = turn.sessionKey
            prefixTokens = turn.contextTokens
            turnsLeft = turn.turnsLeft
        } else if let session = scenario.workload.classes[ci].session {
            state.nextSessionID += 1
            prefixKey = Self.sessionKeyBase + state.nextSessionID
            turnsLeft = state.random.length.geometric(mean: session.meanTurns) - 1
        } else if state.random.length.chance(state.pools[pi].prefixShare) {
            prefixKey = ci + 1
            prefixTokens = state.pools[pi].sharedPrefixTokens
        }
        state.totals.arrived += 1
        let baselineCost = scenario.apiBaseline.cost(input: Double(promptTokens), output: Double(outputTokens))

        if door.refuse {
            countArrival(pool: pi, baselineCost: baselineCost)
            shed(pool: pi)
            state.pools[pi].cumulative.refused += 1
            return
        }
        var cacheKey = 0
        // A conversation's answers are its own: no stored answer fits any of its turns.
        if turn == nil, scenario.workload.classes[ci].session == nil, let cache = state.pools[pi].cacheSpec {
            state.pools[pi].counters.cacheLookups += 1
            let hit: Bool
            if let model = state.pools[pi].cacheModel {
                cacheKey = model.key(&state.random.cache)
                hit = model.lookup(cacheKey, now: state.now)
            } else {
                hit = state.random.cache.chance(cache.hitRate)
            }
            if hit {
                countArrival(pool: pi, baselineCost: baselineCost)
                state.pools[pi].counters.cacheHits += 1
                state.totals.responseCacheHits += 1
                // A hit's whole life is known now: it is accounted at once (its time in the
                // system added to Little's integral) rather than as an event and an object,
                // which is most of the content platform's 9,000 requests/s.
                state.pools[pi].ttft.record(cache.latency, at: state.now)
                state.totals.inSystemIntegral += cache.latency
                complete(pool: pi, outputTokens: outputTokens, ttft: cache.latency, e2e: cache.latency)
                return
            }
        }
        if let overflow = door.overflow {
            pi = overflow
            cacheKey = 0
        }
        countArrival(pool: pi, baselineCost: baselineCost)
        state.totals.inSystem += 1
        state.nextRequestID += 1
        let r = SimulatedRequest(id: state.nextRequestID, classIndex: ci, poolIndex: pi, arrival: state.now,
                                 promptTokens: promptTokens, outputTokens: outputTokens,
                                 prefixKey: prefixKey, prefixTokens: prefixTokens,
                                 blockHashes: hashed?.blockHashes ?? [], hashBlockTokens: hashed?.hashBlockTokens ?? 0)
        r.cacheKey = cacheKey
        r.turnsLeft = turnsLeft
        if door.cacheOnly {
            shed(r)
            state.pools[pi].cumulative.refused += 1
            return
        }
        switch state.pools[pi].spec.kind {
        case .api(let api):
            if state.pools[pi].apiQuota != nil, !state.pools[pi].apiQuota!.take(at: state.now) {
                // The provider answered 429: over its quota.
                shed(r)
                return
            }
            let ttft = api.ttftMedian * exp(api.ttftSigma * state.random.api.standardNormal())
            let e2e = ttft + Double(r.outputTokens) / api.tokensPerSecond
            state.pools[pi].counters.apiCost += api.price.cost(input: Double(r.promptTokens), output: Double(r.outputTokens))
            schedule(at: state.now + e2e, .externalDone(r, ttft: ttft, e2e: e2e))
        case .gpu(let g):
            route(r, pool: pi, spec: g)
        }
    }


    /// Counted where it is answered: the pool's cache, or the tier it overflows to.
    func countArrival(pool pi: Int, baselineCost: Double) {
        state.pools[pi].cumulative.arrived += 1
        state.pools[pi].counters.arrivals += 1
        state.pools[pi].counters.baselineCost += baselineCost
    }

    func indexSplits() {
        state.classSplits = state.classWeights.map { split in split.map { t in (state.pools.firstIndex { $0.spec.id == t.pool }!, t.weight) } }
    }

    func pickPool(_ ci: Int) -> Int {
        let split = state.classSplits[ci]
        var choice = split[0].pool
        if split.count > 1 {
            let total = split.reduce(0) { $0 + $1.weight }
            var u = state.random.length.unit() * total
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
        let candidates = state.pools[pi].nodeIndices
        let start = state.pools[pi].roundRobin
        state.pools[pi].roundRobin = (start + 1) % max(1, candidates.count)
        let conversation = r.prefixKey >= Self.sessionKeyBase ? r.prefixKey : nil
        guard let n = NodeRouter.pick(spec.router, nodes: state.nodes, candidates: candidates, start: start,
                                      conversation: conversation, hashes: r.blockHashes, maxQueue: spec.maxQueuePerNode),
              state.nodes[n].waiting.count < spec.maxQueuePerNode, r.totalTokens <= state.nodes[n].kvCapacityTokens else {
            shed(r)
            return
        }
        state.nodes[n].enqueue(r)
        if !state.nodes[n].isBusy {
            startStep(n)
        } else if let end = state.nodes[n].cutRun(at: state.now) {
            schedule(at: end, .stepDone(node: n, epoch: state.nodes[n].stepEpoch))
        }
    }

    func startStep(_ n: Int) {
        if let plan = state.nodes[n].planStep(at: state.now) {
            schedule(at: state.now + plan.duration, .stepDone(node: n, epoch: state.nodes[n].stepEpoch))
        }
    }

    func complete(_ r: SimulatedRequest, ttft: Double, e2e: Double) {
        state.totals.inSystem -= 1
        if r.turnsLeft > 0, let session = scenario.workload.classes[r.classIndex].session {
            let think = session.meanThinkTime > 0 ? state.random.session.exponential(rate: 1 / session.meanThinkTime) : 0
            schedule(at: state.now + think, .followUp(FollowUp(classIndex: r.classIndex, pool: r.poolIndex, sessionKey: r.prefixKey,
                                                         contextTokens: r.promptTokens + r.outputTokens,
                                                         turnsLeft: r.turnsLeft - 1)))
        }
        if r.cacheKey != 0 { state.pools[r.poolIndex].cacheModel?.store(r.cacheKey, now: state.now) }
        state.report?.logRequest(pool: r.poolIndex, prompt: r.promptTokens, ttft: ttft)
        complete(pool: r.poolIndex, outputTokens: r.outputTokens, ttft: ttft, e2e: e2e)
    }

    func complete(pool pi: Int, outputTokens: Int, ttft: Double, e2e: Double) {
        state.report?.complete(pool: pi, ttft: ttft, e2e: e2e, outputTokens: outputTokens, objectives: state.pools[pi].spec.objectives)
        state.totals.completed += 1
        state.totals.tokensOut += outputTokens
        state.pools[pi].cumulative.tokensOut += outputTokens
        state.totals.sojournSum += e2e
        state.pools[pi].e2e.record(e2e, at: state.now)
        // A response-cache hit arrives whole: no stream, no time per output token.
        if outputTokens > 1, e2e > ttft { state.pools[pi].tpot.record((e2e - ttft) / Double(outputTokens - 1), at: state.now) }
        state.pools[pi].counters.completions += 1
        state.pools[pi].counters.tokensOut += outputTokens
    }

    func shed(_ r: SimulatedRequest) {
        state.totals.inSystem -= 1
        shed(pool: r.poolIndex)
    }

    /// Refused before it became a request in the system.
    func shed(pool pi: Int) {
        state.totals.shed += 1
        state.pools[pi].cumulative.shed += 1
        state.pools[pi].counters.shed += 1
    }
}

import FleetCore

/// A pool's running state in the simulator: counters since the last sample, smoothed rates,
/// latency windows, histories, and the SLO and shedding state it reports changes of.
struct PoolRuntime {
    struct Counters {
        var arrivals = 0
        var completions = 0
        var shed = 0
        var cacheLookups = 0
        var cacheHits = 0
        var tokensOut = 0
        var apiCost = 0.0
        var baselineCost = 0.0
    }

    struct Message {
        var severity: FleetEvent.Severity
        var kind: FleetEvent.Kind
        var text: String
    }

    let spec: PoolSpec
    let index: Int
    // The arrival path's reads, out of `spec` so that a request does not copy the pool's spec.
    let cacheSpec: ResponseCacheSpec?
    let prefixShare: Double
    let sharedPrefixTokens: Int
    /// A keyed response cache's contents (a reference: the pool's one cache).
    private(set) var cacheModel: ResponseCacheModel?
    var apiQuota: TokenBucket?
    var autoscaler: Autoscaler?
    /// Why the autoscaler's last scale was refused, so the refusal is logged once.
    var autoscaleRefusal: String?
    var nodeIndices: [Int] = []
    /// Replicas ever created (names keep counting after a scale-in).
    var nodesCreated = 0
    /// Set when the pool's nodes stand for more real ones.
    var slice: PoolSlice?
    var degradeModes: Set<DegradeMode> = []
    var roundRobin = 0
    var counters = Counters()
    /// Since the start (the counters above reset at each sample).
    var cumulative = FleetSimulator.PoolTotals()

    var ttft = SlidingLatencyWindow(seconds: 60)
    var e2e = SlidingLatencyWindow(seconds: 60)
    /// Time per output token after the first, per request.
    var tpot = SlidingLatencyWindow(seconds: 60)
    var arrivalRate = EWMA(timeConstant: 10)
    var completionRate = EWMA(timeConstant: 10)
    var shedRate = EWMA(timeConstant: 10)
    var apiDollarsPerHour = EWMA(timeConstant: 60)
    var baselinePerHour = EWMA(timeConstant: 60)
    var requestsPerHour = EWMA(timeConstant: 60)
    var responseCache = RatioWindow(capacity: 60)

    var history: PoolHistory
    var responseCacheHistory: SeriesRing
    var prefixCacheHistory: SeriesRing
    /// Breaches and recoveries, by the rule every source shares.
    var slo = SLOTracker()
    var breached: [SLOObjective] { slo.breached(spec.id) }
    var shedding = false

    init(spec: PoolSpec, index: Int, historyCapacity: Int) {
        self.spec = spec
        self.index = index
        cacheSpec = spec.responseCache
        cacheModel = spec.responseCache?.keyed.map(ResponseCacheModel.init)
        if case .api(let a) = spec.kind, let limit = a.rateLimit { apiQuota = TokenBucket(rate: limit) }
        if case .gpu(let g) = spec.kind, let auto = g.autoscale { autoscaler = Autoscaler(spec: auto) }
        if case .gpu(let g) = spec.kind, let pc = g.prefixCache {
            prefixShare = pc.share
            sharedPrefixTokens = pc.sharedPrefixTokens
        } else {
            prefixShare = 0
            sharedPrefixTokens = 0
        }
        history = PoolHistory(capacity: historyCapacity)
        responseCacheHistory = SeriesRing(capacity: historyCapacity)
        prefixCacheHistory = SeriesRing(capacity: historyCapacity)
    }

    /// The same pool with its own copy of the response cache's answers, for a what-if fork.
    func forked() -> PoolRuntime {
        var copy = self
        copy.cacheModel = cacheModel.map(ResponseCacheModel.init(copying:))
        return copy
    }

    var dollarsPerHour: Double {
        switch spec.kind {
        // Every provisioned replica bills, starting or draining ones included.
        case .gpu(let g): return (slice?.realProvisioned ?? Double(nodeIndices.count)) * Double(g.gpusPerNode) * g.gpu.pricePerHour
        case .api: return apiDollarsPerHour.value
        }
    }

    /// Token-weighted prefix-cache hit rate over the pool's nodes.
    static func prefixHitRate(_ nodes: [SimulatedNode]) -> Double? {
        let q = nodes.reduce(0) { $0 + $1.prefixWindow.totalLookups }
        let h = nodes.reduce(0) { $0 + $1.prefixWindow.totalHits }
        return q > 0 ? h / q : nil
    }

    /// What the pool's SLOs are judged on (the simulator measures no queue time apart).
    var latencySignals: LatencySignals {
        LatencySignals(ttft: ttft.window.quantiles, e2e: e2e.window.quantiles, tpot: tpot.window.quantilesAndMean,
                       samples: [.ttft: ttft.window.total, .e2e: e2e.window.total, .tpot: tpot.window.total])   // objectives: ttft and e2e (ScenarioLoader)
    }

    mutating func sample(dt: Double, nodes: [SimulatedNode]) -> [Message] {
        let c = counters
        counters = Counters()
        arrivalRate.update(Double(c.arrivals) / dt, dt: dt)
        completionRate.update(Double(c.completions) / dt, dt: dt)
        shedRate.update(Double(c.shed) / dt, dt: dt)
        apiDollarsPerHour.update(c.apiCost / dt * 3600, dt: dt)
        baselinePerHour.update(c.baselineCost / dt * 3600, dt: dt)
        requestsPerHour.update(Double(c.completions) / dt * 3600, dt: dt)
        responseCache.add(hits: c.cacheHits, queries: c.cacheLookups)

        history.waiting.append(Double(nodes.reduce(0) { $0 + $1.waiting.count }))
        history.arrivalRate.append(arrivalRate.value)
        history.e2eP95.append(e2e.window.quantile(0.95) ?? 0)
        responseCacheHistory.append(responseCache.ratio ?? 0)
        prefixCacheHistory.append(Self.prefixHitRate(nodes) ?? 0)

        var messages = slo.update(pool: spec.id, objectives: spec.objectives, measure: latencySignals.measure).map { Message(severity: $0.severity, kind: $0.kind, text: $0.message) }
        if c.shed > 0 && !shedding {
            shedding = true
            messages.append(Message(severity: .warning, kind: .load, text:
                "\(spec.id) is shedding requests: every node's queue is full"))
        } else if c.shed == 0 && shedding && shedRate.value < 0.01 {
            shedding = false
            messages.append(Message(severity: .info, kind: .load, text: "\(spec.id) stopped shedding"))
        }
        return messages
    }
}

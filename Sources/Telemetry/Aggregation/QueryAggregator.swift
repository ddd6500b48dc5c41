import FleetCore

/// Builds snapshots from Prometheus query ticks: the nodes Prometheus knows, with the figures
/// it computed (rates and quantiles over its own window), and histories kept here.
public final class QueryAggregator {
    public let name: String
    private let objectives: [String: [SLOObjective]]
    private var histories: [String: NodeHistory] = [:]
    private var rollup: PoolRollup
    private var costHistory: SeriesRing
    private var events = EventBuffer()
    private var lastStates: [String: NodeState] = [:]
    private var health = TargetHealth()
    private var last: PrometheusQuerySource.QueryTick?
    private let started: Double
    private let capacity: Int
    private let address: String

    private let prices: [String: Double]
    private let apiBaseline: APIPrice?

    public init(name: String, address: String, pools: [WatchConfig.Pool], apiBaseline: APIPrice? = nil, startTime: Double,
                historyCapacity: Int = 300) {
        self.name = name
        prices = Dictionary(pools.compactMap { p in p.nodeHourPrice.map { (p.id, $0) } }, uniquingKeysWith: { a, _ in a })
        self.apiBaseline = apiBaseline
        self.address = WatchConfig.redacted(address)
        objectives = Dictionary(pools.map { ($0.id, $0.objectives) }, uniquingKeysWith: { a, _ in a })
        started = startTime
        capacity = historyCapacity
        costHistory = SeriesRing(capacity: historyCapacity)
        rollup = PoolRollup(capacity: historyCapacity)
    }

    func log(_ severity: FleetEvent.Severity, _ message: String, node: String? = nil, at time: Double) {
        events.append(FleetEvent(time: time - started, severity: severity, kind: .node, message: message, node: node))
    }

    public func ingest(_ result: Result<PrometheusQuerySource.QueryTick, ScrapeFailure>, at time: Double) {
        switch result {
        case .failure(let f):
            let wasUp = health.state.0 == .up
            health.recordFailure(f.reason)
            if wasUp { log(.warning, "Prometheus query failed: \(f.reason)", at: time) }
        case .success(let tick):
            if health.state.0 != .up { log(.info, "Prometheus at \(address) answering", at: time) }
            health.recordSuccess(duration: 0)
            last = tick
        }
    }

    public func snapshot(at time: Double) -> FleetSnapshot {
        let tick = last
        let sourceState = health.state
        var nodes: [NodeSnapshot] = []
        for key in tick?.nodes ?? [] {
            let isDown = tick?.down.contains(key) ?? false
            // When Prometheus itself stops answering, what it said last goes stale.
            let state: NodeState = isDown ? .down : sourceState.0 == .up ? .up : .stale
            let reason = isDown ? "Prometheus reports the target down (up == 0)" : state == .stale ? sourceState.1 : nil
            func v(_ c: PrometheusQuerySource.Concept) -> Double { state == .up ? Counts.rate(tick?.value(c, key)) : 0 }
            var h = histories[key.node] ?? NodeHistory()
            h.append(at: time - started, gpuUtilization: 0, kvCacheUsage: Counts.ratio(v(.kvCacheUsage)) ?? 0,
                tokensPerSecond: v(.tokensPerSecond), running: v(.running), waiting: v(.waiting))
            histories[key.node] = h
            // Nodes stale because Prometheus is silent are one line ("Prometheus query failed"), not one each.
            if sourceState.0 == .up {
                if let e = NodeStateLog.event(node: key.node, pool: key.pool, from: lastStates[key.node], to: state, reason: reason,
                                              at: time - started) {
                    events.append(e)
                }
                lastStates[key.node] = state
            }
            let prefix = Counts.ratio(tick?.value(.prefixHitRate, key))
            nodes.append(NodeSnapshot(id: key.node, pool: key.pool, state: state, stateReason: reason, engine: "prometheus",
                                      model: "-", version: "", gpus: [], gpuUtilization: 0, kvCacheUsage: Counts.ratio(v(.kvCacheUsage)) ?? 0,
                                      running: Counts.from(v(.running)), waiting: Counts.from(v(.waiting)), tokensPerSecond: v(.tokensPerSecond),
                                      promptTokensPerSecond: v(.promptTokensPerSecond), prefixCacheHitRate: prefix,
                                      preemptionsPerSecond: v(.preemptionsPerSecond), history: h))
        }
        // Quantiles come without a count and are taken as they are, while Prometheus answers;
        // what it said last gives no verdict once it stops.
        var signals = tick?.latency ?? [:]
        if sourceState.0 != .up {
            for pool in signals.keys { signals[pool]?.samples = Dictionary(uniqueKeysWithValues: SLOObjective.Metric.allCases.map { ($0, 0) }) }
        }
        let rolled = rollup.roll(nodes: nodes, latency: signals, objectives: objectives, engine: "prometheus")
        for t in rolled.slo { events.append(t.event(at: time - started)) }
        let (pools, latency, caches) = (rolled.pools, rolled.latency, rolled.caches)
        let costs = pools.map { p in
            let members = nodes.filter { $0.pool == p.id }
            return PoolPricing.cost(pool: p.id, nodes: members.count, nodeHourPrice: prices[p.id], requestsPerSecond: p.arrivalRate,
                                    promptTokensPerSecond: members.reduce(0) { $0 + $1.promptTokensPerSecond },
                                    generationTokensPerSecond: members.reduce(0) { $0 + $1.tokensPerSecond }, baseline: apiBaseline)
        }
        let cost = CostSnapshot(pools: costs, history: costHistory)
        costHistory.append(cost.dollarsPerHour)
        let status = SourceStatus(id: "prometheus", kind: .metrics, address: address, state: sourceState.0, reason: sourceState.1,
                                  stack: "prometheus", lastSuccessAge: nil, lastDuration: nil, samples: nodes.count,
                                  scrapes: health.scrapes, failures: health.failures, parseIssues: 0)
        return FleetSnapshot(time: time - started, timeOfDay: WallClock.localTimeOfDay,
                             source: SourceInfo(kind: .scrape, name: name, title: "Prometheus \(address)"),
                             pools: pools, nodes: nodes, caches: caches, latency: latency,
                             cost: CostSnapshot(pools: costs, history: costHistory), events: events.newest(200),
                             sources: [status])
    }
}

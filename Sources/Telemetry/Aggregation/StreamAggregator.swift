import FleetCore

/// Builds snapshots from NDJSON records: each node's newest figures, latency samples into
/// per-pool one-minute windows, events into the log. A node that stops reporting turns stale,
/// then down.
public final class StreamAggregator {
    struct NodeRuntime {
        var record: NDJSONRecord.NodeRecord
        var lastSeen: Double
        var history: NodeHistory
        var shownState: NodeState?
    }

    /// Nodes and pools one stream source takes: past them a record naming a new one is
    /// refused (each node keeps a day of history, ~46 KB; each pool two latency windows,
    /// ~140 KB), so a producer inventing names cannot grow the console without bound.
    public static let defaultMaxNodes = 10_000
    public static let defaultMaxPools = 1_000
    public let maxNodes: Int
    public let maxPools: Int

    public let name: String
    /// Silence after which a node is stale, and after which it is down.
    public let staleAfter: Double
    public let downAfter: Double
    private var nodes: [String: NodeRuntime] = [:]
    private var order: [String] = []
    private var ttft: [String: SlidingLatencyWindow] = [:]
    private var e2e: [String: SlidingLatencyWindow] = [:]
    private var arrivals: [String: RatioWindow] = [:]
    private var rollup: PoolRollup
    private var events = EventBuffer()
    private var costHistory: SeriesRing
    private let objectives: [String: [SLOObjective]]
    private let started: Double
    private let capacity: Int
    /// Lines refused, with the reason of the last one ("stream:17: not JSON").
    public private(set) var rejectedLines = 0
    public private(set) var lastRejection: String?
    public private(set) var acceptedLines = 0
    /// A source that cannot be read right now ("cannot open /var/log/fleet.ndjson: ..."), by name.
    public var sourceErrors: [String: String] = [:]

    private let prices: [String: Double]

    public init(name: String, pools: [WatchConfig.Pool], startTime: Double, interval: Double, historyCapacity: Int = 300,
                maxNodes: Int = StreamAggregator.defaultMaxNodes, maxPools: Int = StreamAggregator.defaultMaxPools) {
        self.name = name
        self.maxNodes = maxNodes
        self.maxPools = maxPools
        prices = Dictionary(pools.compactMap { p in p.nodeHourPrice.map { (p.id, $0) } }, uniquingKeysWith: { a, _ in a })
        staleAfter = 3 * interval
        downAfter = 10 * interval
        objectives = Dictionary(pools.map { ($0.id, $0.objectives) }, uniquingKeysWith: { a, _ in a })
        started = startTime
        capacity = historyCapacity
        rollup = PoolRollup(capacity: historyCapacity)
        costHistory = SeriesRing(capacity: historyCapacity)
    }

    func log(_ severity: FleetEvent.Severity, _ kind: FleetEvent.Kind, _ message: String, pool: String? = nil,
             node: String? = nil, at time: Double) {
        events.append(FleetEvent(time: time - started, severity: severity, kind: kind, message: message, pool: pool, node: node))
    }

    /// A line that could not be taken: counted, and the newest reason kept for the Sources
    /// screen ("stream:17: not JSON").
    public func reject(source: String, lineNumber: Int, reason: String) {
        rejectedLines += 1
        lastRejection = "\(source):\(lineNumber): \(reason)"
    }

    /// One parsed record from `source` (a file path or a peer), numbered for error messages.
    public func ingest(_ record: NDJSONRecord, source: String, lineNumber: Int, at time: Double) {
        switch record {
        case .event(_, let severity, let message, let pool, let node):
            acceptedLines += 1
            log(severity, .note, message, pool: pool, node: node, at: time)
        case .node(let r):
            if nodes[r.node] == nil {
                if let refusal = capRefusal(node: r.node, pool: r.pool) {
                    reject(source: source, lineNumber: lineNumber, reason: refusal)
                    if !capReported {
                        capReported = true
                        log(.warning, .note, "\(name): \(refusal); further new nodes are refused", at: time)
                    }
                    return
                }
                order.append(r.node)
                poolIDs.insert(r.pool)
            }
            acceptedLines += 1
            var n = nodes[r.node] ?? NodeRuntime(record: r, lastSeen: time, history: NodeHistory())
            n.record = r
            n.lastSeen = time
            nodes[r.node] = n
            for v in r.ttft { ttft[r.pool, default: SlidingLatencyWindow(seconds: 60)].record(v, at: time - started) }
            for v in r.e2e { e2e[r.pool, default: SlidingLatencyWindow(seconds: 60)].record(v, at: time - started) }
        }
    }

    private var poolIDs = Set<String>()
    private var capReported = false

    /// Why a record naming a node not seen before cannot be taken, or nil.
    func capRefusal(node: String, pool: String) -> String? {
        if order.count >= maxNodes {
            return "node '\(TerminalText.truncated(node, to: 40))' refused: the stream already has \(maxNodes) nodes (the cap)"
        }
        if !poolIDs.contains(pool), poolIDs.count >= maxPools {
            return "pool '\(TerminalText.truncated(pool, to: 40))' refused: the stream already has \(maxPools) pools (the cap)"
        }
        return nil
    }

    public func snapshot(at time: Double) -> FleetSnapshot {
        var out: [NodeSnapshot] = []
        for id in order {
            guard var n = nodes[id] else { continue }
            let r = n.record
            let silent = time - n.lastSeen
            let state: NodeState = silent > downAfter ? .down : silent > staleAfter ? .stale : r.state
            let reason = state == r.state ? r.reason : "no record for \(Format.duration(silent))"
            let live = state == .up || state == .degraded || state == .draining
            n.history.append(at: time - started, gpuUtilization: live ? r.gpus.map(\.utilization).reduce(0, +) / Double(max(1, r.gpus.count)) : 0, kvCacheUsage: live ? r.kvCache ?? 0 : 0,
                tokensPerSecond: live ? r.tokensPerSecond ?? 0 : 0, running: Double(live ? r.running ?? 0 : 0), waiting: Double(live ? r.waiting ?? 0 : 0))
            if let e = NodeStateLog.event(node: id, pool: r.pool, from: n.shownState, to: state, reason: reason, at: time - started) {
                events.append(e)
            }
            n.shownState = state
            nodes[id] = n
            out.append(NodeSnapshot(
                id: id, pool: r.pool, state: state, stateReason: reason, engine: r.engine ?? "stream", model: r.model ?? "-",
                version: r.version ?? "", gpus: live ? r.gpus : [],
                gpuUtilization: n.history.gpuUtilization.last ?? 0, kvCacheUsage: live ? r.kvCache ?? 0 : 0,
                running: live ? r.running ?? 0 : 0, waiting: live ? r.waiting ?? 0 : 0,
                tokensPerSecond: live ? r.tokensPerSecond ?? 0 : 0, promptTokensPerSecond: live ? r.promptTokensPerSecond ?? 0 : 0,
                prefixCacheHitRate: live ? r.prefixHitRate : nil, preemptionsPerSecond: live ? r.preemptionsPerSecond ?? 0 : 0,
                history: n.history))
        }
        var latency: [String: LatencySignals] = [:]
        let second = Int((time - started).rounded(.down))
        for pool in Set(out.map(\.pool)) {
            ttft[pool]?.expire(upTo: second)
            e2e[pool]?.expire(upTo: second)
            latency[pool] = LatencySignals(ttft: ttft[pool]?.window.quantiles ?? Quantiles(), e2e: e2e[pool]?.window.quantiles ?? Quantiles(),
                                           samples: [.ttft: ttft[pool]?.window.total ?? 0, .e2e: e2e[pool]?.window.total ?? 0])
        }
        let rolled = rollup.roll(nodes: out, latency: latency, objectives: objectives, engine: "stream")
        for t in rolled.slo { events.append(t.event(at: time - started)) }
        let (pools, rows, caches) = (rolled.pools, rolled.latency, rolled.caches)
        // A record's own cost_per_hour wins; else the pool's node_hour_price from the config.
        let costs = pools.map { p in
            PoolCost(pool: p.id, dollarsPerHour: nodes.values.filter { $0.record.pool == p.id }
                        .compactMap { $0.record.costPerHour ?? prices[p.id] }.reduce(0, +),
                     requestsPerHour: p.arrivalRate * 3600, apiBaselinePerHour: 0)
        }
        costHistory.append(costs.reduce(0) { $0 + $1.dollarsPerHour })
        let unreadable = sourceErrors.values.sorted().first
        let refused = lastRejection.map { "\(rejectedLines) line\(rejectedLines == 1 ? "" : "s") refused; last: \($0)" }
        let status = SourceStatus(id: name, kind: .metrics, address: name,
                                  state: unreadable != nil ? .down : acceptedLines > 0 ? .up : .stale,
                                  reason: unreadable ?? refused,
                                  stack: "ndjson", lastSuccessAge: nil, lastDuration: nil, samples: acceptedLines,
                                  scrapes: acceptedLines + rejectedLines, failures: rejectedLines, parseIssues: rejectedLines)
        return FleetSnapshot(time: time - started, timeOfDay: WallClock.localTimeOfDay,
                             source: SourceInfo(kind: .scrape, name: "stream", title: name),
                             pools: pools, nodes: out, caches: caches, latency: rows,
                             cost: CostSnapshot(pools: costs, history: costHistory), events: events.newest(200),
                             sources: [status])
    }
}

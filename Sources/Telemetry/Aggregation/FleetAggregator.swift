import DequeModule
import FleetCore
import Foundation

/// Turns scrapes of real targets, already read by their own tasks (`TargetScrape`), into
/// `FleetSnapshot`s: it stores per target its health, the newest reading and the one before
/// (rates), a minute of latency histograms (quantiles), and histories, and rolls them up per
/// pool (sums, merged latency, SLO state). It parses nothing. Single-threaded: the watch
/// loop's one consumer owns it.
public final class FleetAggregator {
    struct TargetRuntime {
        /// Fixed for the target's life and never reused: discovery adds and drops targets, and
        /// a scrape in flight must not land on another's place.
        let id: Int
        var config: WatchConfig.Target
        var health = TargetHealth()
        var stack: Stack?
        var current: (time: Double, reading: EngineReading)?
        var previous: (time: Double, reading: EngineReading)?
        /// Latency histograms and request counters of the last minute of scrapes, oldest first.
        var window = Deque<WindowEntry>()
        var parseNote: String?
        var parseIssues = 0
        var samples = 0
        var lastSuccess: Double?
        var history: NodeHistory
        var shownState: NodeState = .stale
        /// The last `/slots` read (llama.cpp), kept between the scrapes that read it.
        var slots: LlamaCppSlots?
    }

    struct WindowEntry {
        var time: Double
        var latencies: [EngineReading.Latency: Histogram]
        var succeeded: Double?
        var failed: Double?
    }

    struct CacheRuntime {
        var config: WatchConfig.Redis
        var health = TargetHealth()
        var previous: CacheReading?
        var current: CacheReading?
        var hitRate: Double?
        var lastSuccess: Double?
    }

    public let config: WatchConfig
    public let name: String
    /// In the order the screens list them.
    private var targets: [TargetRuntime]
    private var indexByID: [Int: Int] = [:]
    private var nextTargetID: Int
    /// Discovery providers (file_sd, http_sd), as the scrape loop's discovery task last saw them.
    public var discovery: (statuses: [TargetDiscovery.ProviderStatus], skipped: [String]) = ([], [])
    private var caches: [CacheRuntime]
    private var responseHistories: [String: SeriesRing] = [:]
    private var rollup: PoolRollup
    private var costHistory: SeriesRing
    private var events = EventBuffer()
    private let started: Double
    private let historyCapacity: Int
    /// Seconds of latency history the quantiles cover.
    public static let latencyWindow = 60.0

    public init(config: WatchConfig, name: String, startTime: Double, historyCapacity: Int = 300) {
        self.config = config
        self.name = name
        started = startTime
        self.historyCapacity = historyCapacity
        targets = config.targets.enumerated().map { TargetRuntime(id: $0, config: $1, history: NodeHistory()) }
        nextTargetID = targets.count
        caches = config.redis.map { CacheRuntime(config: $0) }
        rollup = PoolRollup(capacity: historyCapacity)
        costHistory = SeriesRing(capacity: historyCapacity)
        log(.info, "watching \(config.targets.count) target\(config.targets.count == 1 ? "" : "s")"
                   + (config.discovery.isEmpty ? "" : " and what service discovery finds"), at: startTime)
        reindex()
    }

    private func reindex() {
        indexByID = Dictionary(uniqueKeysWithValues: targets.enumerated().map { ($1.id, $0) })
    }

    /// The targets now, with their ids, in order.
    public var currentTargets: [(id: Int, target: WatchConfig.Target)] { targets.map { ($0.id, $0.config) } }

    /// Takes the whole set of targets now (the static ones, then what discovery found): a
    /// target keeps its place and history while its URL and node name stay, a new one is
    /// added at the end, one that is gone is dropped, each with a line in the events log.
    /// Returns which targets to start scraping and which to stop.
    public func setTargets(_ new: [WatchConfig.Target], at time: Double) -> (added: [(id: Int, target: WatchConfig.Target)], removed: [Int]) {
        // Identity is URL and name together: two static targets may share a URL.
        func key(_ t: WatchConfig.Target) -> String { t.url + "\u{0}" + t.node }
        let wanted = Dictionary(new.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        var removed: [Int] = []
        targets.removeAll { t in
            guard wanted[key(t.config)] == nil else { return false }
            removed.append(t.id)
            log(.info, "node \(t.config.node) left (no longer discovered)", node: t.config.node, pool: t.config.pool, at: time)
            return true
        }
        var known = Set(targets.map { key($0.config) })
        for i in targets.indices {
            if let w = wanted[key(targets[i].config)] { targets[i].config = w }
        }
        var added: [(id: Int, target: WatchConfig.Target)] = []
        for t in new where known.insert(key(t)).inserted {
            targets.append(TargetRuntime(id: nextTargetID, config: t, history: NodeHistory()))
            added.append((nextTargetID, t))
            nextTargetID += 1
            log(.info, "node \(t.node) discovered (\(WatchConfig.redacted(t.url)))", node: t.node, pool: t.pool, at: time)
        }
        if !added.isEmpty || !removed.isEmpty { reindex() }
        return (added, removed)
    }

    func log(_ severity: FleetEvent.Severity, _ message: String, node: String? = nil, pool: String? = nil, at time: Double) {
        events.append(FleetEvent(time: time - started, severity: severity, kind: .node, message: message, pool: pool, node: node))
    }

    /// Records one scrape of target `id` made at `time` (seconds, any monotonic origin); a
    /// target dropped since is ignored.
    public func ingest(target id: Int, _ scrape: TargetScrape, at time: Double) {
        guard let i = indexByID[id] else { return }
        switch scrape {
        case .failed(let reason):
            targets[i].health.recordFailure(reason)
        case let .unreadable(reason, parse):
            record(parse, target: i)
            targets[i].health.recordFailure(reason)
        case let .reading(reading, stack, parse, duration):
            record(parse, target: i)
            targets[i].health.recordSuccess(duration: duration)
            targets[i].lastSuccess = time
            targets[i].stack = stack
            targets[i].previous = targets[i].current
            targets[i].current = (time, reading)
            if let s = reading.slots { targets[i].slots = s }
            targets[i].window.append(WindowEntry(time: time, latencies: reading.latencies, succeeded: reading.counters[.requestsSucceeded],
                                                 failed: reading.counters[.requestsFailed]))
            while let first = targets[i].window.first, time - first.time > Self.latencyWindow { targets[i].window.removeFirst() }
        }
        let (state, reason) = targets[i].health.state
        show(target: i, state, reason: reason, at: time)
    }

    /// Logs a target's new state, once.
    private func show(target i: Int, _ state: NodeState, reason: String?, at time: Double) {
        let t = targets[i]
        if let e = NodeStateLog.event(node: t.config.node, pool: t.config.pool, from: t.shownState, to: state, reason: reason,
                                      detail: t.stack?.rawValue ?? "?", at: time - started) {
            events.append(e)
        }
        targets[i].shownState = state
    }

    /// Past this long without an answer a target is stale, whatever its fetch is doing: two
    /// intervals and a timeout.
    var staleAfter: Double { 2 * config.interval + config.timeout }

    /// The target's state as the screens show it at `time`: its scrapes' verdict, except that
    /// an up target that has not answered for `staleAfter` is stale.
    func state(of t: TargetRuntime, at time: Double) -> (NodeState, String?) {
        let verdict = t.health.state
        guard verdict.0 == .up, let last = t.lastSuccess, time - last > staleAfter else { return verdict }
        return (.stale, "no answer for \(Format.duration(time - last)) (a scrape still running)")
    }

    private func record(_ parse: TargetScrape.ParseSummary, target i: Int) {
        targets[i].parseNote = parse.note
        targets[i].parseIssues = parse.issues
        targets[i].samples = parse.samples
    }

    /// Records one INFO poll of response cache `i`. The hit rate is the one INFO's counters
    /// give over the interval since the previous poll.
    public func ingestRedis(_ i: Int, _ result: Result<CacheReading, ScrapeFailure>, at time: Double) {
        let wasDown = caches[i].health.state.0 == .down
        switch result {
        case .failure(let f):
            caches[i].health.recordFailure(f.reason)
            if !wasDown, caches[i].health.state.0 == .down {
                log(.warning, "response cache \(caches[i].config.host):\(caches[i].config.port) unreachable: \(f.reason)",
                    pool: caches[i].config.pool, at: time)
            }
        case .success(let info):
            caches[i].health.recordSuccess(duration: 0)
            caches[i].lastSuccess = time
            caches[i].previous = caches[i].current
            caches[i].current = info
            if let prev = caches[i].previous { caches[i].hitRate = info.hitRate(since: prev) ?? caches[i].hitRate }
        }
    }

    func rate(_ t: TargetRuntime, _ c: EngineReading.Counter) -> Double? {
        guard let cur = t.current, let prev = t.previous, cur.time > prev.time, let inc = increase(t, c) else { return nil }
        return inc / (cur.time - prev.time)
    }

    /// Per series when the mapping gave series, so one engine's restart among several counts
    /// as that engine's reset.
    func increase(_ t: TargetRuntime, _ c: EngineReading.Counter) -> Double? {
        guard let cur = t.current, let prev = t.previous else { return nil }
        if let a = prev.reading.counterSeries[c], let b = cur.reading.counterSeries[c] {
            return CounterRate.increase(from: a, to: b)
        }
        guard let a = prev.reading.counters[c], let b = cur.reading.counters[c], a.isFinite, b.isFinite else { return nil }
        return CounterRate.increase(from: a, to: b)
    }

    /// What the window's histograms of `latency` saw: newest minus oldest.
    static func windowDelta(_ w: Deque<WindowEntry>, _ latency: EngineReading.Latency) -> Histogram? {
        guard let newest = w.last?.latencies[latency] else { return nil }
        guard w.count > 1, let oldest = w.first?.latencies[latency] else { return nil }
        return newest.delta(since: oldest)
    }

    /// Requests that succeeded and failed over the window (nil where the engine counts no
    /// failures), a restart counted from zero.
    static func windowRequests(_ w: Deque<WindowEntry>) -> (succeeded: Double, failed: Double)? {
        guard w.count > 1, let first = w.first, let last = w.last,
              let f0 = first.failed, let f1 = last.failed, let s0 = first.succeeded, let s1 = last.succeeded else { return nil }
        return (CounterRate.increase(from: s0, to: s1), CounterRate.increase(from: f0, to: f1))
    }

    /// Which of an engine's latency histograms each SLO metric reads.
    static let signalSources: [(SLOObjective.Metric, EngineReading.Latency)] = [
        (.ttft, .timeToFirstToken), (.e2e, .endToEnd), (.tpot, .interToken), (.queueTime, .queueTime),
    ]

    /// Appends one sample to every history and assembles the snapshot.
    public func snapshot(at time: Double) -> FleetSnapshot {
        var nodes: [NodeSnapshot] = []
        // Each target's state at this tick, worked out once for the nodes, the pools and the
        // sources.
        let states = targets.map { state(of: $0, at: time) }
        for i in targets.indices {
            let (state, reason) = states[i]
            if state == .stale, targets[i].shownState == .up { show(target: i, .stale, reason: reason, at: time) }
            let t = targets[i]
            let r = t.current?.reading
            let live = state == .up
            let running = live ? Counts.from(r?.gauges[.running]) : 0
            let waiting = live ? Counts.from(r?.gauges[.waiting]) : 0
            let kv = live ? (Counts.ratio(r?.gauges[.kvCacheUsage]) ?? 0) : 0
            let tps = live ? Counts.rate(rate(t, .generationTokens)) : 0
            let gpus = (r?.gpus ?? []).map {
                GPUSnapshot(index: $0.index, name: $0.name ?? "GPU", utilization: Counts.ratio($0.utilization) ?? 0,
                            memoryUsedGiB: $0.memoryUsedGiB ?? 0, memoryTotalGiB: $0.memoryTotalGiB ?? 0,
                            powerWatts: $0.powerWatts ?? 0, temperatureC: $0.temperatureC ?? 0)
            }
            let util = gpus.isEmpty ? 0 : gpus.reduce(0) { $0 + $1.utilization } / Double(gpus.count)
            targets[i].history.append(at: time - started, gpuUtilization: util, kvCacheUsage: kv,
                tokensPerSecond: tps, running: Double(running), waiting: Double(waiting))
            var prefix: Double?
            if live, let h = increase(t, .prefixCacheHits), let q = increase(t, .prefixCacheQueries), q > 0 { prefix = Counts.ratio(h / q) }
            else if live { prefix = Counts.ratio(r?.gauges[.prefixCacheHitRate]) }
            nodes.append(NodeSnapshot(
                id: t.config.node, pool: t.config.pool, state: state,
                stateReason: reason ?? (live ? t.parseNote : nil),
                engine: t.stack?.rawValue ?? "?", model: r?.models.first ?? "-", version: "",
                gpus: gpus, gpuUtilization: util, kvCacheUsage: kv, running: running, waiting: waiting,
                tokensPerSecond: tps, promptTokensPerSecond: live ? Counts.rate(rate(t, .promptTokens)) : 0,
                prefixCacheHitRate: prefix, preemptionsPerSecond: live ? Counts.rate(rate(t, .preemptions)) : 0,
                history: targets[i].history))
            if live, let seconds = rate(t, .promptSeconds) { nodes[nodes.count - 1].promptSecondsPerSecond = Counts.rate(seconds) }
            nodes[nodes.count - 1].kvCacheTokens = r?.kvCacheTokens
            if let s = t.slots {
                nodes[nodes.count - 1].slots = s.count
                // llama.cpp splits its context (-c) between the slots: the server's KV cache.
                if r?.kvCacheTokens == nil, let c = s.contextPerSlot { nodes[nodes.count - 1].kvCacheTokens = c * s.count }
            }
        }

        let poolIDs = orderedPoolIDs()
        var latency: [String: LatencySignals] = [:]
        var arrivals: [String: Double] = [:], prefix: [String: Double?] = [:]
        var lengths: [String: (prompt: Quantiles?, output: Quantiles?)] = [:]
        var costs: [PoolCost] = []
        for id in poolIDs {
            // Only targets answering now count: a dead node's last figures must not linger.
            let members = targets.indices.filter { targets[$0].config.pool == id && states[$0].0 == .up }
            for m in members {
                while let first = targets[m].window.first, time - first.time > Self.latencyWindow { targets[m].window.removeFirst() }
            }
            var signals = LatencySignals()
            for (metric, source) in Self.signalSources {
                let merged = Histogram.merged(members.compactMap { Self.windowDelta(targets[$0].window, source) })
                signals.samples[metric] = Counts.from(merged?.observations)
                signals[metric] = merged?.quantiles
            }
            let requests = members.compactMap { Self.windowRequests(targets[$0].window) }
            let finished = requests.reduce(0) { $0 + $1.succeeded + $1.failed }
            signals.errorRate = finished > 0 ? requests.reduce(0) { $0 + $1.failed } / finished : nil
            signals.samples[.errorRate] = Counts.from(finished)
            latency[id] = signals
            func length(_ l: EngineReading.Latency) -> Quantiles? {
                Histogram.merged(members.compactMap { Self.windowDelta(targets[$0].window, l) }).flatMap { $0.observations > 0 ? $0.quantiles : nil }
            }
            lengths[id] = (length(.promptLength), length(.outputLength))
            // Requests finished either way: what the pool was offered and dealt with.
            arrivals[id] = Counts.rate(members.compactMap { m in
                rate(targets[m], .requestsSucceeded).map { $0 + (rate(targets[m], .requestsFailed) ?? 0) }
            }.reduce(0, +))
            // Token-weighted over the pool, not a mean of the nodes' ratios.
            let hits = members.compactMap { increase(targets[$0], .prefixCacheHits) }.reduce(0, +)
            let queries = members.compactMap { increase(targets[$0], .prefixCacheQueries) }.reduce(0, +)
            prefix[id] = queries > 0 ? hits / queries : nil
            func poolRate(_ c: EngineReading.Counter) -> Double { Counts.rate(members.compactMap { rate(targets[$0], c) }.reduce(0, +)) }
            costs.append(PoolPricing.cost(pool: id, nodes: targets.filter { $0.config.pool == id }.count,
                                          nodeHourPrice: config.pools.first { $0.id == id }?.nodeHourPrice,
                                          requestsPerSecond: arrivals[id] ?? 0, promptTokensPerSecond: poolRate(.promptTokens),
                                          generationTokensPerSecond: poolRate(.generationTokens), baseline: config.apiBaseline))
        }
        let rolled = rollup.roll(
            poolIDs: poolIDs, nodes: nodes, latency: latency, arrivals: arrivals, prefix: prefix,
            objectives: Dictionary(config.pools.map { ($0.id, $0.objectives) }, uniquingKeysWith: { a, _ in a }), engine: "?")
        for t in rolled.slo { events.append(t.event(at: time - started)) }
        var pools = rolled.pools
        for i in pools.indices {
            (pools[i].promptLength, pools[i].outputLength) = lengths[pools[i].id] ?? (nil, nil)
        }
        let latencies = rolled.latency
        var caches = rolled.caches
        for c in self.caches {
            let id = "response:\(c.config.pool)"
            var ring = responseHistories[id] ?? SeriesRing(capacity: historyCapacity)
            ring.append(c.hitRate ?? 0)
            responseHistories[id] = ring
            caches.append(CacheSnapshot(id: id, kind: .response, pool: c.config.pool, hitRate: c.hitRate, history: ring))
        }
        let cost = CostSnapshot(pools: costs, history: costHistory)
        costHistory.append(cost.dollarsPerHour)
        return FleetSnapshot(
            time: time - started, timeOfDay: WallClock.localTimeOfDay,
            source: SourceInfo(kind: .scrape, name: name, title: "\(targets.count) targets"),
            pools: pools, nodes: nodes, caches: caches, latency: latencies,
            cost: CostSnapshot(pools: costs, history: costHistory),
            events: events.newest(200),
            sources: sourceStatuses(at: time, states: states))
    }

    func sourceStatuses(at time: Double, states: [(NodeState, String?)]) -> [SourceStatus] {
        let metrics = zip(targets, states).map { t, shown -> SourceStatus in
            let (state, reason) = shown
            return SourceStatus(id: t.config.node, kind: .metrics, address: WatchConfig.redacted(t.config.url), state: state,
                                reason: reason ?? t.parseNote, stack: t.stack?.rawValue,
                                lastSuccessAge: t.lastSuccess.map { time - $0 }, lastDuration: t.health.lastScrapeDuration,
                                samples: t.samples, scrapes: t.health.scrapes, failures: t.health.failures,
                                parseIssues: t.parseIssues)
        }
        let redis = caches.map { c -> SourceStatus in
            let (state, reason) = c.health.state
            return SourceStatus(id: "redis:\(c.config.pool)", kind: .redis, address: "\(c.config.host):\(c.config.port)",
                                state: state, reason: reason, stack: "redis", lastSuccessAge: c.lastSuccess.map { time - $0 },
                                lastDuration: nil, samples: c.current?.fields ?? 0, scrapes: c.health.scrapes,
                                failures: c.health.failures, parseIssues: c.current?.issues ?? 0)
        }
        let discovered = discovery.statuses.enumerated().map { k, d -> SourceStatus in
            var reason = d.problem
            if k == 0, reason == nil, let first = discovery.skipped.first {
                reason = "\(discovery.skipped.count) address\(discovery.skipped.count == 1 ? "" : "es") skipped: \(first)"
            }
            return SourceStatus(id: d.id, kind: .discovery, address: d.address, state: d.problem == nil ? .up : .stale,
                                reason: reason, stack: "sd", lastSuccessAge: d.lastSuccess.map { time - $0 }, lastDuration: nil,
                                samples: d.targets, scrapes: d.reads, failures: d.failures, parseIssues: 0)
        }
        return metrics + redis + discovered
    }

    func orderedPoolIDs() -> [String] {
        var ids: [String] = []
        for t in targets where !ids.contains(t.config.pool) { ids.append(t.config.pool) }
        for c in caches where !ids.contains(c.config.pool) { ids.append(c.config.pool) }
        return ids
    }
}

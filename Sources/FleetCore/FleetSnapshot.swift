/// One immutable picture of the whole fleet at one moment: what every screen draws from.
/// Sources (the simulator, scrapes, a query API, streams, replays) produce them, screens only
/// read them.
public struct FleetSnapshot: Codable, Sendable, Equatable {
    /// Seconds since the source started (virtual time for simulations and replays).
    public var time: Double
    /// Wall-clock time of day the source reports, in seconds after midnight.
    public var timeOfDay: Double
    public var source: SourceInfo
    public var pools: [PoolSnapshot]
    public var nodes: [NodeSnapshot]
    public var caches: [CacheSnapshot]
    public var latency: [PoolLatency]
    public var cost: CostSnapshot
    public var events: [FleetEvent]
    /// The targets behind the data (scrapes, caches); empty for a simulation.
    public var sources: [SourceStatus]
    /// Set by a replay: the transport's state. Nil for live data (and inside recordings).
    public var replay: ReplayStatus?
    /// Alerts pending and firing, where alerts are evaluated (live consoles and what they
    /// record); nil where none are (older recordings, headless runs).
    public var alerts: [FleetAlert]?
    /// Each objective's error budget, beside the alerts.
    public var budgets: [ErrorBudgetStatus]?

    public init(time: Double, timeOfDay: Double, source: SourceInfo, pools: [PoolSnapshot],
                nodes: [NodeSnapshot], caches: [CacheSnapshot], latency: [PoolLatency],
                cost: CostSnapshot, events: [FleetEvent], sources: [SourceStatus] = []) {
        self.time = time; self.timeOfDay = timeOfDay; self.source = source
        self.pools = pools; self.nodes = nodes; self.caches = caches
        self.latency = latency; self.cost = cost; self.events = events; self.sources = sources
    }

    public func pool(_ id: String) -> PoolSnapshot? { pools.first { $0.id == id } }
    public func latency(ofPool id: String) -> PoolLatency? { latency.first { $0.pool == id } }
}

/// Where a snapshot came from: shown in the header so the operator never mistakes a demo for prod.
public struct SourceInfo: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case simulation, scrape, replay }
    public var kind: Kind
    public var name: String
    public var title: String
    public var speed: Double

    public init(kind: Kind, name: String, title: String, speed: Double = 1) {
        self.kind = kind; self.name = name; self.title = title; self.speed = speed
    }
}

/// One scrape target or polled cache, as the sources screen lists it.
public struct SourceStatus: Codable, Sendable, Equatable {
    /// A scrape target or query API, a polled cache, a service-discovery provider.
    public enum Kind: String, Codable, Sendable { case metrics, redis, discovery }
    public var id: String
    public var kind: Kind
    public var address: String
    public var state: NodeState
    public var reason: String?
    /// The serving stack detected from the metric names.
    public var stack: String?
    /// Seconds since the last successful scrape; nil before the first.
    public var lastSuccessAge: Double?
    public var lastDuration: Double?
    public var samples: Int
    public var scrapes: Int
    public var failures: Int
    /// Lines the parser skipped in the last scrape.
    public var parseIssues: Int

    public init(id: String, kind: Kind, address: String, state: NodeState, reason: String?, stack: String?,
                lastSuccessAge: Double?, lastDuration: Double?, samples: Int, scrapes: Int, failures: Int, parseIssues: Int) {
        self.id = id; self.kind = kind; self.address = address; self.state = state; self.reason = reason
        self.stack = stack; self.lastSuccessAge = lastSuccessAge; self.lastDuration = lastDuration
        self.samples = samples; self.scrapes = scrapes; self.failures = failures; self.parseIssues = parseIssues
    }
}

public enum NodeState: String, Codable, Sendable, CaseIterable {
    case up, degraded, draining, down, stale
}

public struct GPUSnapshot: Codable, Sendable, Equatable {
    public var index: Int
    public var name: String
    public var utilization: Double        // 0...1
    public var memoryUsedGiB: Double
    public var memoryTotalGiB: Double
    public var powerWatts: Double
    public var temperatureC: Double

    public init(index: Int, name: String, utilization: Double, memoryUsedGiB: Double,
                memoryTotalGiB: Double, powerWatts: Double, temperatureC: Double) {
        self.index = index; self.name = name; self.utilization = utilization
        self.memoryUsedGiB = memoryUsedGiB; self.memoryTotalGiB = memoryTotalGiB
        self.powerWatts = powerWatts; self.temperatureC = temperatureC
    }
}

/// Per-node history: the store. Each series keeps 15 minutes at the sample interval and 24
/// hours of minute means in fixed memory (`TieredSeries`): 5 × 9,360 bytes of samples per node.
public struct NodeHistory: Codable, Sendable, Equatable {
    public var gpuUtilization = TieredSeries()
    public var kvCacheUsage = TieredSeries()
    public var tokensPerSecond = TieredSeries()
    public var running = TieredSeries()
    public var waiting = TieredSeries()

    public init() {}

    /// One sample of every series at `time` (seconds on the source's clock).
    public mutating func append(at time: Double, gpuUtilization u: Double, kvCacheUsage kv: Double, tokensPerSecond tps: Double,
                                running r: Double, waiting w: Double) {
        gpuUtilization.append(u, at: time)
        kvCacheUsage.append(kv, at: time)
        tokensPerSecond.append(tps, at: time)
        running.append(r, at: time)
        waiting.append(w, at: time)
    }

    /// Bytes of sample storage per node, fixed whatever the uptime.
    public static var sampleBytes: Int { 5 * TieredSeries().sampleBytes }
}

public struct NodeSnapshot: Codable, Sendable, Equatable {
    public var id: String
    public var pool: String
    public var state: NodeState
    /// Why the node is not `up`, in words an operator can act on.
    public var stateReason: String?
    public var engine: String
    public var model: String
    public var version: String
    public var gpus: [GPUSnapshot]
    public var gpuUtilization: Double     // mean over the node's GPUs, 0...1
    public var kvCacheUsage: Double       // 0...1
    public var running: Int
    public var waiting: Int
    public var tokensPerSecond: Double    // generated tokens
    public var promptTokensPerSecond: Double
    public var prefixCacheHitRate: Double? // 0...1, nil before any prompt
    public var preemptionsPerSecond: Double
    /// Seconds spent on prompts per second, where the engine counts them (llama.cpp's
    /// `prompt_seconds_total`): with the prompt tokens, what a prompt token costs (the twin).
    public var promptSecondsPerSecond: Double?
    /// The KV cache's capacity in tokens, where the engine states it (vLLM's
    /// `cache_config_info`): the twin's memory limit.
    public var kvCacheTokens: Int?
    /// Sequences the engine runs at once, where it states them (llama.cpp's `/slots`).
    public var slots: Int?
    public var history: NodeHistory

    public init(id: String, pool: String, state: NodeState, stateReason: String? = nil, engine: String,
                model: String, version: String, gpus: [GPUSnapshot], gpuUtilization: Double,
                kvCacheUsage: Double, running: Int, waiting: Int, tokensPerSecond: Double,
                promptTokensPerSecond: Double, prefixCacheHitRate: Double?, preemptionsPerSecond: Double,
                history: NodeHistory) {
        self.id = id; self.pool = pool; self.state = state; self.stateReason = stateReason
        self.engine = engine; self.model = model; self.version = version; self.gpus = gpus
        self.gpuUtilization = gpuUtilization; self.kvCacheUsage = kvCacheUsage
        self.running = running; self.waiting = waiting; self.tokensPerSecond = tokensPerSecond
        self.promptTokensPerSecond = promptTokensPerSecond; self.prefixCacheHitRate = prefixCacheHitRate
        self.preemptionsPerSecond = preemptionsPerSecond; self.history = history
    }
}

public struct PoolHistory: Codable, Sendable, Equatable {
    public var waiting: SeriesRing
    public var arrivalRate: SeriesRing
    public var e2eP95: SeriesRing

    public init(capacity: Int) {
        waiting = SeriesRing(capacity: capacity)
        arrivalRate = SeriesRing(capacity: capacity)
        e2eP95 = SeriesRing(capacity: capacity)
    }
}

public struct PoolSnapshot: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case gpu, api }
    public var id: String
    public var kind: Kind
    public var engine: String
    public var model: String
    public var nodes: Int
    public var nodesUp: Int
    public var running: Int
    public var waiting: Int
    public var arrivalRate: Double     // requests/s offered to the pool (response-cache hits included)
    public var completionRate: Double  // requests/s
    public var shedRate: Double        // requests/s rejected by the pool's queue limit
    public var history: PoolHistory
    /// Degrade modes switched on (`shed_low_priority`, `cap_max_tokens`, ...); nil for none.
    public var degradeModes: [DegradeMode]?
    /// Failed and aborted requests over finished ones in the last minute (the simulator: shed
    /// over offered); nil where the source counts no failures.
    public var errorRate: Double?
    /// Sequences preempted per second over the pool's nodes; nil where none is exported.
    public var preemptionsPerSecond: Double?
    /// Prompt and output lengths in tokens over the latency window, where the engines export
    /// their histograms (vLLM, TGI): the spread the twin gives its requests.
    public var promptLength: Quantiles?
    public var outputLength: Quantiles?

    public init(id: String, kind: Kind, engine: String, model: String, nodes: Int, nodesUp: Int,
                running: Int, waiting: Int, arrivalRate: Double, completionRate: Double,
                shedRate: Double, history: PoolHistory) {
        self.id = id; self.kind = kind; self.engine = engine; self.model = model
        self.nodes = nodes; self.nodesUp = nodesUp; self.running = running; self.waiting = waiting
        self.arrivalRate = arrivalRate; self.completionRate = completionRate
        self.shedRate = shedRate; self.history = history
    }
}

public struct CacheSnapshot: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Response cache in front of the fleet (Redis): whole answers served without a GPU.
        case response
        /// The engines' prefix (KV) cache, token-weighted over the pool's nodes.
        case prefix
    }
    public var id: String
    public var kind: Kind
    public var pool: String?
    public var hitRate: Double?        // 0...1 over the last window, nil before any lookup
    public var history: SeriesRing

    public init(id: String, kind: Kind, pool: String?, hitRate: Double?, history: SeriesRing) {
        self.id = id; self.kind = kind; self.pool = pool; self.hitRate = hitRate; self.history = history
    }
}

/// One service-level objective: the `percentile`th value of `metric` (or its mean, where
/// `percentile` is 0) under `target` seconds.
public struct SLOObjective: Codable, Sendable, Equatable {
    public enum Metric: String, Codable, Sendable, CaseIterable {
        /// Time to first token, end to end, time per output token after the first (inter-token
        /// latency), time spent queued before the engine scheduled the request, and the share
        /// of finished requests that failed or were aborted.
        case ttft, e2e, tpot, queueTime = "queue_time", errorRate = "error_rate"

        /// The latency signals (every one but the error rate).
        public static let latencies: [Metric] = [.ttft, .e2e, .tpot, .queueTime]
    }
    public var metric: Metric
    /// 50, 90, 95 or 99; 0 for the mean (all an engine that exports only sums and counts, like
    /// llama.cpp, can be judged on).
    public var percentile: Int
    public var target: Double

    public init(metric: Metric, percentile: Int, target: Double) {
        self.metric = metric; self.percentile = percentile; self.target = target
    }

    /// "p95" or "mean"; nothing for the error rate, a ratio over the window.
    public var statistic: String { metric == .errorRate ? "" : percentile == 0 ? "mean" : "p\(percentile)" }

    /// A measured value or the target in the metric's unit: "850ms", "1.25%".
    public func formatted(_ value: Double) -> String {
        metric == .errorRate ? String(format: "%.2f%%", value * 100) : Format.latency(value)
    }

    /// "e2e p95" or "error_rate".
    public var title: String { statistic.isEmpty ? metric.rawValue : "\(metric.rawValue) \(statistic)" }
}

extension SLOObjective {
    /// `slo: [{metric: e2e, percentile: 95, target_ms: 2000}, ...]`, as scenarios, watched pools
    /// and the local node write their objectives. `itl` (inter-token latency, vLLM's name) is
    /// `tpot`; `percentile: mean` judges the mean; `{metric: error_rate, target_percent: 1}`
    /// judges the share of failed and aborted requests. `allowed` names the metrics the reader
    /// can judge and `means` whether it can judge a mean (the simulator's what-ifs judge TTFT
    /// and end to end, request by request).
    public static func list(from v: YAMLValue, allowed: [Metric] = Metric.allCases, means: Bool = true) throws -> [SLOObjective] {
        try v.array().map { o in
            let name = try o.required("metric").oneOf(allowed.map(\.rawValue) + (allowed.contains(.tpot) ? ["itl"] : []))
            let metric = name == "itl" ? Metric.tpot : Metric(rawValue: name)!
            if metric == .errorRate {
                try o.allowKeys(["metric", "target_percent"])
                return SLOObjective(metric: .errorRate, percentile: 0, target: try o.required("target_percent").double(in: 0.001...100) / 100)
            }
            try o.allowKeys(["metric", "percentile", "target_ms"])
            let pv = try o.required("percentile")
            let percentile: Int
            if (try? pv.string()) == "mean" {
                guard means else { throw pv.error("percentile must be 50, 90, 95 or 99 here") }
                percentile = 0
            } else {
                percentile = try pv.int()
                guard [50, 90, 95, 99].contains(percentile) else { throw pv.error("percentile must be 50, 90, 95, 99 or mean") }
            }
            return SLOObjective(metric: metric, percentile: percentile, target: try o.required("target_ms").double(in: 1...3_600_000) / 1000)
        }
    }
}

public struct PoolLatency: Codable, Sendable, Equatable {
    public var pool: String
    public var ttft: Quantiles
    public var e2e: Quantiles
    /// Time per output token and queue time, where the source measures them (nil in
    /// recordings made before they were kept).
    public var tpot: Quantiles?
    public var queueTime: Quantiles?
    public var samples: Int
    public var objectives: [SLOObjective]
    /// The objectives currently breached (a subset of `objectives`).
    public var breached: [SLOObjective]

    public init(pool: String, ttft: Quantiles, e2e: Quantiles, tpot: Quantiles? = nil, queueTime: Quantiles? = nil,
                samples: Int, objectives: [SLOObjective], breached: [SLOObjective]) {
        self.pool = pool; self.ttft = ttft; self.e2e = e2e; self.tpot = tpot; self.queueTime = queueTime
        self.samples = samples; self.objectives = objectives; self.breached = breached
    }

    public init(pool: String, _ signals: LatencySignals, samples: Int, objectives: [SLOObjective], breached: [SLOObjective]) {
        self.init(pool: pool, ttft: signals.ttft, e2e: signals.e2e, tpot: signals.tpot, queueTime: signals.queueTime,
                  samples: samples, objectives: objectives, breached: breached)
    }

    public func quantiles(_ metric: SLOObjective.Metric) -> Quantiles? {
        LatencySignals(ttft: ttft, e2e: e2e, tpot: tpot, queueTime: queueTime)[metric]
    }
}

/// A pool's latency figures over a window, one `Quantiles` per signal (nil where the source
/// has no measure of it), with how many requests (or, for a mean of counters, tokens) each
/// rests on: what an SLO is judged on.
public struct LatencySignals: Sendable, Equatable {
    public var ttft = Quantiles()
    public var e2e = Quantiles()
    public var tpot: Quantiles?
    public var queueTime: Quantiles?
    /// Failed and aborted over finished requests; nil where the source counts no failures.
    public var errorRate: Double?
    public var samples: [SLOObjective.Metric: Int] = [:]

    public init(ttft: Quantiles = Quantiles(), e2e: Quantiles = Quantiles(), tpot: Quantiles? = nil, queueTime: Quantiles? = nil,
                errorRate: Double? = nil, samples: [SLOObjective.Metric: Int] = [:]) {
        self.ttft = ttft; self.e2e = e2e; self.tpot = tpot; self.queueTime = queueTime; self.errorRate = errorRate
        self.samples = samples
    }

    /// One latency signal's figures; ttft and e2e are always there, so nil sets them empty.
    /// The error rate is a ratio, not quantiles: nil here.
    public subscript(metric: SLOObjective.Metric) -> Quantiles? {
        get {
            switch metric {
            case .ttft: ttft
            case .e2e: e2e
            case .tpot: tpot
            case .queueTime: queueTime
            case .errorRate: nil
            }
        }
        set {
            switch metric {
            case .ttft: ttft = newValue ?? Quantiles()
            case .e2e: e2e = newValue ?? Quantiles()
            case .tpot: tpot = newValue
            case .queueTime: queueTime = newValue
            case .errorRate: break
            }
        }
    }

    /// The figure an objective is judged on, and the samples behind it (`Int.max` where the
    /// source cannot count them: a query API's quantiles are taken as they are).
    public func measure(_ o: SLOObjective) -> (value: Double?, samples: Int) {
        (o.metric == .errorRate ? errorRate : self[o.metric]?.value(atPercentile: o.percentile), samples[o.metric] ?? Int.max)
    }
}

public struct PoolCost: Codable, Sendable, Equatable {
    public var pool: String
    public var dollarsPerHour: Double
    public var requestsPerHour: Double
    /// What the same traffic would cost on the all-API baseline, per hour.
    public var apiBaselinePerHour: Double

    public init(pool: String, dollarsPerHour: Double, requestsPerHour: Double, apiBaselinePerHour: Double) {
        self.pool = pool; self.dollarsPerHour = dollarsPerHour
        self.requestsPerHour = requestsPerHour; self.apiBaselinePerHour = apiBaselinePerHour
    }

    public var dollarsPerMillionRequests: Double? {
        requestsPerHour > 0 ? dollarsPerHour / requestsPerHour * 1_000_000 : nil
    }
}

public struct CostSnapshot: Codable, Sendable, Equatable {
    public var pools: [PoolCost]
    public var dollarsPerHour: Double
    public var requestsPerHour: Double
    public var apiBaselinePerHour: Double
    public var history: SeriesRing   // $/h

    public init(pools: [PoolCost], history: SeriesRing) {
        self.pools = pools
        dollarsPerHour = pools.reduce(0) { $0 + $1.dollarsPerHour }
        requestsPerHour = pools.reduce(0) { $0 + $1.requestsPerHour }
        apiBaselinePerHour = pools.reduce(0) { $0 + $1.apiBaselinePerHour }
        self.history = history
    }

    public var dollarsPerMillionRequests: Double? {
        requestsPerHour > 0 ? dollarsPerHour / requestsPerHour * 1_000_000 : nil
    }

    /// Fraction saved against the all-API baseline (negative when the fleet costs more).
    public var savings: Double? {
        apiBaselinePerHour > 0 ? 1 - dollarsPerHour / apiBaselinePerHour : nil
    }
}

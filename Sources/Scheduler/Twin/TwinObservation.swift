import DequeModule
import FleetCore

/// One watched pool at one snapshot, as the twin reads it: sums over the nodes that serve.
struct TwinSample: Sendable, Equatable {
    var time: Double
    var nodesUp: Int
    /// Requests per second the pool's engines counted; nil where they count none (llama.cpp).
    var arrivalRate: Double?
    var generationTokensPerSecond: Double
    var promptTokensPerSecond: Double
    /// Nil unless every serving node reports it.
    var promptSecondsPerSecond: Double?
    var running: Int
    /// Σ running² over the nodes: with `running`, the batch an output token sees on average.
    var runningSquares: Int
    /// The most sequences one node ran while requests waited on it: the engine's limit.
    var runningWhileWaiting: Int?
    /// The share of serving nodes holding a queue.
    var queuedNodes: Double
    /// The smallest serving node's KV cache in tokens, where every one states it.
    var kvCacheTokens: Int?
    /// The fewest slots a serving node states (llama.cpp's `/slots`), where every one does.
    var slots: Int?

    init(pool: PoolSnapshot, nodes: [NodeSnapshot], time: Double) {
        self.time = time
        let serving = nodes.filter { $0.pool == pool.id && ($0.state == .up || $0.state == .degraded) }
        nodesUp = serving.count
        // llama.cpp is the one serving stack with no request counter; an idle pool of any other
        // counts zero requests, which is not the same as counting none.
        arrivalRate = pool.engine == "llamacpp" ? nil : pool.arrivalRate
        generationTokensPerSecond = serving.reduce(0) { $0 + $1.tokensPerSecond }
        promptTokensPerSecond = serving.reduce(0) { $0 + $1.promptTokensPerSecond }
        let seconds = serving.compactMap(\.promptSecondsPerSecond)
        promptSecondsPerSecond = !serving.isEmpty && seconds.count == serving.count ? seconds.reduce(0, +) : nil
        running = serving.reduce(0) { $0 + $1.running }
        runningSquares = serving.reduce(0) { $0 + $1.running * $1.running }
        let queued = serving.filter { $0.waiting > 0 }
        runningWhileWaiting = queued.map(\.running).max()
        queuedNodes = serving.isEmpty ? 0 : Double(queued.count) / Double(serving.count)
        let caches = serving.compactMap(\.kvCacheTokens)
        kvCacheTokens = caches.count == serving.count ? caches.min() : nil
        let stated = serving.compactMap(\.slots)
        slots = !serving.isEmpty && stated.count == serving.count ? stated.min() : nil
    }
}

/// A pool's samples over the last window, averaged: what one fit reads.
public struct TwinWindow: Sendable, Equatable {
    public var pool: String
    public var engine: String
    public var start: Double
    public var end: Double
    public var samples: Int
    public var nodesUp: Int
    public var arrivalRate: Double?
    public var generationTokensPerSecond: Double
    public var promptTokensPerSecond: Double
    public var promptSecondsPerSecond: Double?
    /// Sequences running on a node, averaged over the tokens they generate (Σn² / Σn): a
    /// token generated in a step of eight counts eight times as often as one in a step of one,
    /// so this, not the time average, is the batch a mean time per output token was made at.
    public var tokenWeightedBatch: Double
    public var runningWhileWaiting: Int?
    /// The share of the serving nodes holding a queue, over the window: 1 for a queue standing
    /// on every node throughout.
    public var queuedShare: Double = 0
    /// The pool's latency at the window's end (the aggregators' own 60-second window).
    public var latency: PoolLatency?
    /// Request lengths at the window's end, where the engines export their histograms.
    public var promptLength: Quantiles?
    public var outputLength: Quantiles?
    /// KV-cache tokens per node, where the engines state it.
    public var kvCacheTokens: Int?
    public var pricePerNodeHour: Double
    /// Slots per node, where the engine states them (llama.cpp's `/slots`).
    public var slots: Int?
    /// Whether a response cache answers in front of the pool: its latency then mixes cached answers in.
    public var behindResponseCache = false
    /// The GPU a node of the pool reports (dcgm-exporter's `modelName`), for a roofline.
    public var gpuName: String?

    public init(pool: String, engine: String, start: Double, end: Double, samples: Int, nodesUp: Int, arrivalRate: Double?,
                generationTokensPerSecond: Double, promptTokensPerSecond: Double, promptSecondsPerSecond: Double?,
                tokenWeightedBatch: Double, runningWhileWaiting: Int?, queuedShare: Double = 0, latency: PoolLatency?,
                promptLength: Quantiles? = nil, outputLength: Quantiles? = nil, kvCacheTokens: Int? = nil, pricePerNodeHour: Double,
                gpuName: String? = nil, slots: Int? = nil, behindResponseCache: Bool = false) {
        self.pool = pool; self.engine = engine; self.start = start; self.end = end; self.samples = samples
        self.nodesUp = nodesUp; self.arrivalRate = arrivalRate; self.generationTokensPerSecond = generationTokensPerSecond
        self.promptTokensPerSecond = promptTokensPerSecond; self.promptSecondsPerSecond = promptSecondsPerSecond
        self.tokenWeightedBatch = tokenWeightedBatch
        self.runningWhileWaiting = runningWhileWaiting; self.queuedShare = queuedShare; self.latency = latency; self.pricePerNodeHour = pricePerNodeHour
        self.promptLength = promptLength; self.outputLength = outputLength; self.kvCacheTokens = kvCacheTokens
        self.gpuName = gpuName; self.slots = slots; self.behindResponseCache = behindResponseCache
    }
}

/// Keeps each watched pool's samples for the last `window` seconds, snapshot by snapshot.
struct TwinObserver {
    let window: Double
    private(set) var samples: [String: Deque<TwinSample>] = [:]
    private(set) var latest: FleetSnapshot?

    init(window: Double) { self.window = window }

    mutating func observe(_ snapshot: FleetSnapshot) {
        // A seek or a restarted source: what came before is another fleet's past.
        if let last = latest, snapshot.time < last.time { samples = [:] }
        latest = snapshot
        var kept = Set<String>()
        for pool in snapshot.pools where pool.kind == .gpu {
            kept.insert(pool.id)
            var ring = samples[pool.id] ?? Deque()
            ring.append(TwinSample(pool: pool, nodes: snapshot.nodes, time: snapshot.time))
            while let first = ring.first, snapshot.time - first.time > window { ring.removeFirst() }
            samples[pool.id] = ring
        }
        samples = samples.filter { kept.contains($0.key) }
    }

    /// Each pool's window, in the snapshot's pool order.
    func windows() -> [TwinWindow] {
        guard let snapshot = latest else { return [] }
        return snapshot.pools.compactMap { pool -> TwinWindow? in
            guard let ring = samples[pool.id], let first = ring.first, let last = ring.last else { return nil }
            let n = Double(ring.count)
            func mean(_ f: (TwinSample) -> Double) -> Double { ring.reduce(0) { $0 + f($1) } / n }
            let counted = ring.compactMap(\.arrivalRate)
            let seconds = ring.compactMap(\.promptSecondsPerSecond)
            let running = ring.reduce(0) { $0 + $1.running }
            let batch = running > 0 ? Double(ring.reduce(0) { $0 + $1.runningSquares }) / Double(running) : 1
            let cost = snapshot.cost.pools.first { $0.pool == pool.id }
            let price = cost.map { c in pool.nodes > 0 ? c.dollarsPerHour / Double(pool.nodes) : 0 } ?? 0
            return TwinWindow(
                pool: pool.id, engine: pool.engine, start: first.time, end: last.time, samples: ring.count, nodesUp: last.nodesUp,
                arrivalRate: counted.count == ring.count ? counted.reduce(0, +) / n : nil,
                generationTokensPerSecond: mean { $0.generationTokensPerSecond }, promptTokensPerSecond: mean { $0.promptTokensPerSecond },
                promptSecondsPerSecond: seconds.count == ring.count ? seconds.reduce(0, +) / n : nil,
                tokenWeightedBatch: batch,
                runningWhileWaiting: ring.compactMap(\.runningWhileWaiting).max(), queuedShare: mean { $0.queuedNodes },
                latency: snapshot.latency.first { $0.pool == pool.id }, promptLength: pool.promptLength,
                outputLength: pool.outputLength, kvCacheTokens: last.kvCacheTokens, pricePerNodeHour: price,
                gpuName: snapshot.nodes.first { $0.pool == pool.id && !$0.gpus.isEmpty }?.gpus.first?.name, slots: last.slots,
                behindResponseCache: snapshot.caches.contains { $0.kind == .response && $0.pool == pool.id })
        }
    }
}

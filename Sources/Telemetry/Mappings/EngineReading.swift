/// One scrape of one inference server, translated from its stack's metric names into the
/// console's concepts. Counters stay raw (rates need two readings); gauges are ready to show.
public struct EngineReading: Sendable, Equatable {
    public enum Gauge: String, Sendable, CaseIterable {
        case running, waiting
        /// KV-cache use, 0...1.
        case kvCacheUsage
        /// An engine's own hit-rate gauge (SGLang), 0...1.
        case prefixCacheHitRate
    }

    public enum Counter: String, Sendable, CaseIterable {
        case promptTokens, promptSeconds, generationTokens, prefixCacheQueries, prefixCacheHits, preemptions
        case requestsSucceeded, requestsFailed, spendDollars, responseCacheHits, responseCacheMisses
    }

    /// The histograms an engine exports: latencies, in seconds, and its requests' prompt and
    /// output lengths, in tokens (what the twin reads for the spread of lengths).
    public enum Latency: String, Sendable, CaseIterable {
        case timeToFirstToken, endToEnd, interToken, queueTime
        case promptLength, outputLength

        public var inTokens: Bool { self == .promptLength || self == .outputLength }
    }

    public struct GPU: Sendable, Equatable {
        public var index: Int
        public var name: String?
        public var utilization: Double?       // 0...1
        public var memoryUsedGiB: Double?
        public var memoryTotalGiB: Double?
        public var powerWatts: Double?
        public var temperatureC: Double?
    }

    public var stack: Stack
    public var models: [String]
    public var gauges: [Gauge: Double] = [:]
    public var counters: [Counter: Double] = [:]
    /// The same counters per series (label set), so a reset of one engine or process among
    /// several is seen as a reset, not as a smaller increase of the sum.
    public var counterSeries: [Counter: [String: Double]] = [:]
    public var latencies: [Latency: Histogram] = [:]
    public var gpus: [GPU] = []
    /// The KV cache's capacity in tokens (blocks x block size), where the engine states it
    /// (vLLM's `cache_config_info`): the twin's memory limit.
    public var kvCacheTokens: Int?
    /// llama.cpp's `/slots`, on the scrapes that read it (`ScrapeLoop`).
    public var slots: LlamaCppSlots?

    public init(stack: Stack, models: [String]) {
        self.stack = stack
        self.models = models
    }

    mutating func setCounter(_ c: Counter, _ value: CounterValue?) {
        counters[c] = value?.total
        counterSeries[c] = value?.bySeries
    }
}

/// A counter family's total and its value per series.
struct CounterValue {
    var total: Double
    var bySeries: [String: Double]
}

/// The serving stacks fleetdeck understands.
public enum Stack: String, Sendable, CaseIterable {
    case vllm, sglang, tgi, llamacpp, triton, dcgm, litellm
}

import FleetCore
import Histogram

/// What a headless run measured, per pool: `fleetdeck simulate --scenario ... --json`.
public struct SimulationReport: Sendable, Codable {
    public struct SLOResult: Sendable, Codable {
        public var metric: String
        public var percentile: Int
        public var targetSeconds: Double
        /// Share of the pool's finished requests (completed or shed) within the target; a shed
        /// request is not. Requests still in flight at the end are not counted, nor those a
        /// degrade mode refused on purpose (`refused`): that is the operator's choice, not a miss.
        public var attainment: Double
        public var met: Bool

        enum CodingKeys: String, CodingKey {
            case metric, percentile, attainment, met
            case targetSeconds = "target_s"
        }
    }

    public struct Pool: Sendable, Codable {
        public var pool: String
        public var kind: String
        public var nodes: Int
        public var requests: Int
        public var completed: Int
        public var shed: Int
        /// Of `shed`, refused by a degrade mode (low priority shed, cache-only misses).
        public var refused: Int
        public var throughputRPS: Double
        public var outputTokensPerSecond: Double
        public var ttft: LatencyQuantiles?
        public var tpot: LatencyQuantiles?
        public var e2e: LatencyQuantiles?
        public var queuePeak: Int
        public var responseCacheHitRate: Double?
        public var prefixCacheHitRate: Double?
        public var preemptions: Int
        public var costUSD: Double
        public var slo: [SLOResult]

        enum CodingKeys: String, CodingKey {
            case pool, kind, nodes, requests, completed, shed, refused, slo, preemptions
            case throughputRPS = "throughput_rps"
            case outputTokensPerSecond = "output_tokens_per_s"
            case ttft = "ttft_s", tpot = "tpot_s", e2e = "e2e_s"
            case queuePeak = "queue_peak"
            case responseCacheHitRate = "response_cache_hit_rate"
            case prefixCacheHitRate = "prefix_cache_hit_rate"
            case costUSD = "cost_usd"
        }
    }

    public var scenario: String
    public var seed: UInt64
    public var durationSeconds: Double
    public var requests: Int
    public var completed: Int
    public var shed: Int
    public var costUSD: Double
    public var pools: [Pool]

    enum CodingKeys: String, CodingKey {
        case scenario, seed, requests, completed, shed, pools
        case durationSeconds = "duration_s"
        case costUSD = "cost_usd"
    }
}

/// Collects a run's per-request latencies into HdrHistograms (microseconds, three significant
/// digits) and its per-pool counts; the simulator feeds it when a run is headless.
final class SimulationReportCollector {
    struct PoolAccumulator {
        var ttft: Histogram<UInt64>
        var tpot: Histogram<UInt64>
        var e2e: Histogram<UInt64>
        var completed = 0
        var queuePeak = 0
        var cacheLookups = 0
        var cacheHits = 0
        var prefixQueries = 0
        var prefixHits = 0
        var preemptions = 0
        var costUSD = 0.0
        /// Per objective: requests within the target.
        var withinTarget: [Int]
    }

    /// One answered request, for fitting a tier's latency to its prompt length.
    struct LoggedRequest {
        var pool: Int
        var prompt: Int
        var ttft: Double
    }

    private(set) var pools: [PoolAccumulator]
    private(set) var log: [LoggedRequest] = []
    private let logLimit: Int

    /// How finely latencies are kept: a headless report's three significant digits up to a
    /// day, or a what-if's two digits (1%) up to an hour, which is a tenth of the work to set
    /// up and to read percentiles from, eight times per advisor round.
    enum Resolution {
        case report, whatIf

        var longest: Double { self == .report ? 86_000 : 3_600 }
    }

    private let resolution: Resolution

    init(objectiveCounts: [Int], logRequests: Int = 0, resolution: Resolution = .report) {
        self.resolution = resolution
        pools = objectiveCounts.map { _ in
            PoolAccumulator(ttft: Self.histogram(resolution), tpot: Self.histogram(resolution), e2e: Self.histogram(resolution),
                            withinTarget: [])
        }
        for (i, n) in objectiveCounts.enumerated() { pools[i].withinTarget = Array(repeating: 0, count: n) }
        logLimit = logRequests
    }

    func logRequest(pool: Int, prompt: Int, ttft: Double) {
        if log.count < logLimit { log.append(LoggedRequest(pool: pool, prompt: prompt, ttft: ttft)) }
    }

    static func histogram(_ r: Resolution) -> Histogram<UInt64> {
        r == .report ? Histogram(highestTrackableValue: 24 * 3_600_000_000, numberOfSignificantValueDigits: .three)
            : Histogram(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)
    }

    func microseconds(_ s: Double) -> UInt64 { UInt64(max(0, min(s, resolution.longest)) * 1e6 + 0.5) }

    func complete(pool: Int, ttft: Double, e2e: Double, outputTokens: Int, objectives: [SLOObjective]) {
        _ = pools[pool].ttft.record(microseconds(ttft))
        _ = pools[pool].e2e.record(microseconds(e2e))
        // A response-cache hit arrives whole: no stream, no time per output token.
        if outputTokens > 1, e2e > ttft {
            _ = pools[pool].tpot.record(microseconds((e2e - ttft) / Double(outputTokens - 1)))
        }
        pools[pool].completed += 1
        for (i, o) in objectives.enumerated() {
            let measured = o.metric == .ttft ? ttft : e2e
            if measured <= o.target { pools[pool].withinTarget[i] += 1 }
        }
    }

    func sample(pool: Int, waiting: Int, costUSD: Double, cacheLookups: Int, cacheHits: Int,
                prefixQueries: Int, prefixHits: Int, preemptions: Int) {
        pools[pool].queuePeak = max(pools[pool].queuePeak, waiting)
        pools[pool].costUSD += costUSD
        pools[pool].cacheLookups += cacheLookups
        pools[pool].cacheHits += cacheHits
        pools[pool].prefixQueries += prefixQueries
        pools[pool].prefixHits += prefixHits
        pools[pool].preemptions += preemptions
    }

    static func quantiles(_ h: Histogram<UInt64>) -> LatencyQuantiles? {
        guard h.totalCount > 0 else { return nil }
        func q(_ p: Double) -> Double { Double(h.valueAtPercentile(p)) / 1e6 }
        return LatencyQuantiles(p50: q(50), p95: q(95), p99: q(99))
    }
}

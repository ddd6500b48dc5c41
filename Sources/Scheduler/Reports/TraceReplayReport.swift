/// What `simulate --trace` prints: the replay's latency percentiles, and, for a measured trace,
/// the measured ones and the relative error of each.
public struct TraceReplayReport: Sendable, Codable {
    public struct Comparison: Sendable, Codable {
        public var ttft: LatencyQuantiles
        public var e2e: LatencyQuantiles
        public var tpot: LatencyQuantiles?

        enum CodingKeys: String, CodingKey { case ttft = "ttft_s", e2e = "e2e_s", tpot = "tpot_s" }
    }

    /// Simulated / measured - 1, per quantile.
    public struct Errors: Sendable, Codable {
        public var ttft: LatencyQuantiles
        public var e2e: LatencyQuantiles

        enum CodingKeys: String, CodingKey { case ttft = "ttft", e2e = "e2e" }
    }

    public var trace: String
    public var profile: String
    public var model: String
    public var engine: String
    public var requests: Int
    public var kvBlocks: Int
    public var blockSize: Int
    public var stepOverheadSeconds: Double
    public var steps: Int
    public var preemptions: Int
    public var peakWaiting: Int
    public var peakKVUsage: Double
    public var simulatedSeconds: Double
    public var ttft: LatencyQuantiles
    public var tpot: LatencyQuantiles?
    public var e2e: LatencyQuantiles
    public var measured: Comparison?
    public var relativeError: Errors?

    enum CodingKeys: String, CodingKey {
        case trace, profile, model, engine, requests, steps, preemptions, measured
        case kvBlocks = "kv_blocks", blockSize = "block_size", stepOverheadSeconds = "step_overhead_s"
        case peakWaiting = "peak_waiting", peakKVUsage = "peak_kv_usage", simulatedSeconds = "simulated_s"
        case ttft = "ttft_s", tpot = "tpot_s", e2e = "e2e_s"
        case relativeError = "relative_error"
    }

    public init(trace: String, profile: String, replay: TraceReplay, engine: EngineSettings, result: TraceReplay.Result) {
        let o = result.outcomes
        self.trace = trace
        self.profile = profile
        model = replay.modelName
        self.engine = engine.kind.rawValue
        requests = o.count
        kvBlocks = result.kvBlocks
        blockSize = engine.blockSize
        stepOverheadSeconds = engine.stepOverhead
        steps = result.steps
        preemptions = o.reduce(0) { $0 + $1.preemptions }
        peakWaiting = result.peakWaiting
        peakKVUsage = result.peakKVUsage
        simulatedSeconds = result.simulatedSeconds
        ttft = LatencyQuantiles(exact: o.map(\.ttft))!
        tpot = LatencyQuantiles(exact: o.compactMap(\.tpot))
        e2e = LatencyQuantiles(exact: o.map(\.e2e))!
        let measuredTTFT = o.compactMap(\.request.measuredTTFT), measuredE2E = o.compactMap(\.request.measuredE2E)
        if measuredTTFT.count == o.count, measuredE2E.count == o.count,
           let mt = LatencyQuantiles(exact: measuredTTFT), let me = LatencyQuantiles(exact: measuredE2E) {
            let mtpot = LatencyQuantiles(exact: o.compactMap { x -> Double? in
                guard let f = x.request.measuredFirstToken, let e = x.request.measuredFinish, x.request.outputTokens > 1 else { return nil }
                return (e - f) / Double(x.request.outputTokens - 1)
            })
            measured = Comparison(ttft: mt, e2e: me, tpot: mtpot)
            func err(_ s: LatencyQuantiles, _ m: LatencyQuantiles) -> LatencyQuantiles {
                LatencyQuantiles(p50: s.p50 / m.p50 - 1, p95: s.p95 / m.p95 - 1, p99: s.p99 / m.p99 - 1)
            }
            relativeError = Errors(ttft: err(ttft, mt), e2e: err(e2e, me))
        }
    }
}

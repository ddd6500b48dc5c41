import MetricsFormats
/// llama.cpp's `llama-server --metrics`: no labels, no histograms, no request counter. The
/// time spent generating and the tokens generated give the mean time per output token.
public struct LlamaCppMapping: MetricsMapping {
    public let stack = Stack.llamacpp
    public init() {}

    public func detects(_ e: Exposition) -> Bool {
        FamilyIndex.mentions(e, ["llamacpp:requests_processing", "llamacpp:tokens_predicted_total"])
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = FamilyIndex(e)
        var r = EngineReading(stack: stack, models: [])
        r.gauges[.running] = i.sum("llamacpp:requests_processing")
        r.gauges[.waiting] = i.sum("llamacpp:requests_deferred")
        r.gauges[.kvCacheUsage] = i.mean("llamacpp:kv_cache_usage_ratio")
        r.setCounter(.promptTokens, i.counter("llamacpp:prompt_tokens_total"))
        r.setCounter(.promptSeconds, i.counter("llamacpp:prompt_seconds_total"))
        r.setCounter(.generationTokens, i.counter("llamacpp:tokens_predicted_total"))
        // Each slot's generation time, summed over slots, over the tokens they generated: the
        // mean gap between a sequence's tokens, which is TPOT.
        r.latencies[.interToken] = Histogram.sumAndCount(sum: i.counter("llamacpp:tokens_predicted_seconds_total")?.total,
                                                         count: r.counters[.generationTokens])
        return r
    }
}

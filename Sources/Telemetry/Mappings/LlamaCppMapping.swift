import MetricsFormats
/// llama.cpp's `llama-server --metrics`: no labels, no histograms.
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
        r.setCounter(.generationTokens, i.counter("llamacpp:tokens_predicted_total"))
        return r
    }
}

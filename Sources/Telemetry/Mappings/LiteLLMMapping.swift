import MetricsFormats
/// The LiteLLM proxy: spend in dollars, tokens, requests, response-cache hits and misses, and
/// latency histograms. Missing label values arrive as the string "None".
public struct LiteLLMMapping: MetricsMapping {
    public let stack = Stack.litellm
    public init() {}

    public func detects(_ e: Exposition) -> Bool {
        FamilyIndex.mentions(e, ["litellm_proxy_total_requests_metric", "litellm_spend_metric"])
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = FamilyIndex(e)
        var r = EngineReading(stack: stack, models: i.labelValues("model", in: ["litellm_spend_metric"]).filter { $0 != "None" })
        r.setCounter(.spendDollars, i.counter("litellm_spend_metric"))
        r.setCounter(.promptTokens, i.counter("litellm_input_tokens_metric"))
        r.setCounter(.generationTokens, i.counter("litellm_output_tokens_metric"))
        // The proxy's total counts its failures too; the console's succeeded does not.
        let total = i.counter("litellm_proxy_total_requests_metric"), failed = i.counter("litellm_proxy_failed_requests_metric")
        r.setCounter(.requestsFailed, failed)
        r.counters[.requestsSucceeded] = total.map { max(0, $0.total - (failed?.total ?? 0)) }
        r.setCounter(.responseCacheHits, i.counter("litellm_cache_hits_metric"))
        r.setCounter(.responseCacheMisses, i.counter("litellm_cache_misses_metric"))
        r.latencies[.endToEnd] = i.histogram("litellm_request_total_latency_metric")
        r.latencies[.timeToFirstToken] = i.histogram("litellm_llm_api_time_to_first_token_metric")
        return r
    }
}

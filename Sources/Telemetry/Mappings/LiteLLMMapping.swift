import MetricsFormats
/// The LiteLLM proxy: spend in dollars, tokens, requests, response-cache hits and misses, and
/// latency histograms. Missing label values arrive as the string "None".
public struct LiteLLMMapping: MetricsMapping {
    public let stack = Stack.litellm
    public init() {}

    public func detects(_ e: Exposition) -> Bool {
        let i = FamilyIndex(e)
        return i.has("litellm_proxy_total_requests_metric") || i.has("litellm_spend_metric")
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = FamilyIndex(e)
        var r = EngineReading(stack: stack, models: i.labelValues("model", in: ["litellm_spend_metric"]).filter { $0 != "None" })
        r.counters[.spendDollars] = i.sum("litellm_spend_metric")
        r.counters[.promptTokens] = i.sum("litellm_input_tokens_metric")
        r.counters[.generationTokens] = i.sum("litellm_output_tokens_metric")
        r.counters[.requestsSucceeded] = i.sum("litellm_proxy_total_requests_metric")
        r.counters[.requestsFailed] = i.sum("litellm_proxy_failed_requests_metric")
        r.counters[.responseCacheHits] = i.sum("litellm_cache_hits_metric")
        r.counters[.responseCacheMisses] = i.sum("litellm_cache_misses_metric")
        r.latencies[.endToEnd] = i.histogram("litellm_request_total_latency_metric")
        r.latencies[.timeToFirstToken] = i.histogram("litellm_llm_api_time_to_first_token_metric")
        return r
    }
}

import MetricsFormats
/// SGLang. In multiprocess mode gauges carry a `pid` label (ignored when grouping); the
/// prefix cache is reported as cached prompt tokens.
public struct SGLangMapping: MetricsMapping {
    public let stack = Stack.sglang
    public init() {}

    public func detects(_ e: Exposition) -> Bool {
        FamilyIndex.mentions(e, ["sglang:num_running_reqs", "sglang:num_queue_reqs"])
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = FamilyIndex(e)
        var r = EngineReading(stack: stack, models: i.labelValues("model_name", in: ["sglang:num_running_reqs"]))
        r.gauges[.running] = i.sum("sglang:num_running_reqs")
        r.gauges[.waiting] = i.sum("sglang:num_queue_reqs")
        r.gauges[.kvCacheUsage] = i.mean("sglang:token_usage")
        r.gauges[.prefixCacheHitRate] = i.mean("sglang:cache_hit_rate")
        r.setCounter(.promptTokens, i.counter("sglang:prompt_tokens"))
        r.setCounter(.generationTokens, i.counter("sglang:generation_tokens"))
        // Cached tokens out of prompt tokens is vLLM's hits-over-queries, in SGLang's terms.
        r.setCounter(.prefixCacheHits, i.counter("sglang:cached_tokens"))
        r.setCounter(.prefixCacheQueries, i.counter("sglang:prompt_tokens"))
        r.setCounter(.preemptions, i.counter("sglang:num_retracted_requests"))
        r.setCounter(.requestsSucceeded, i.counter("sglang:num_requests"))
        r.latencies[.timeToFirstToken] = i.histogram("sglang:time_to_first_token_seconds")
        r.latencies[.endToEnd] = i.histogram("sglang:e2e_request_latency_seconds")
        r.latencies[.interToken] = i.histogram("sglang:inter_token_latency_seconds")
        r.latencies[.queueTime] = i.histogram("sglang:queue_time_seconds")
        return r
    }
}

import MetricsFormats
/// vLLM V1 (`vllm:` names; also the `vllm_` spelling some client libraries and relabelling
/// rules produce). V0's `gpu_cache_usage_perc` is read when V1's `kv_cache_usage_perc` is absent.
public struct VLLMMapping: MetricsMapping {
    public let stack = Stack.vllm
    public init() {}

    func index(_ e: Exposition) -> FamilyIndex { FamilyIndex(e, aliases: [("vllm_", "vllm:")]) }

    public func detects(_ e: Exposition) -> Bool {
        let i = index(e)
        return i.has("vllm:num_requests_running") || i.has("vllm:num_requests_waiting")
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = index(e)
        var r = EngineReading(stack: stack, models: i.labelValues("model_name", in: ["vllm:num_requests_running"]))
        r.gauges[.running] = i.sum("vllm:num_requests_running")
        r.gauges[.waiting] = i.sum("vllm:num_requests_waiting")
        r.gauges[.kvCacheUsage] = i.mean("vllm:kv_cache_usage_perc") ?? i.mean("vllm:gpu_cache_usage_perc")
        r.counters[.promptTokens] = i.sum("vllm:prompt_tokens")
        r.counters[.generationTokens] = i.sum("vllm:generation_tokens")
        r.counters[.prefixCacheQueries] = i.sum("vllm:prefix_cache_queries")
        r.counters[.prefixCacheHits] = i.sum("vllm:prefix_cache_hits")
        r.counters[.preemptions] = i.sum("vllm:num_preemptions")
        r.counters[.requestsSucceeded] = i.sum("vllm:request_success")
        r.latencies[.timeToFirstToken] = i.histogram("vllm:time_to_first_token_seconds")
        r.latencies[.endToEnd] = i.histogram("vllm:e2e_request_latency_seconds")
        r.latencies[.interToken] = i.histogram("vllm:inter_token_latency_seconds")
            ?? i.histogram("vllm:time_per_output_token_seconds")
        r.latencies[.queueTime] = i.histogram("vllm:request_queue_time_seconds")
        return r
    }
}

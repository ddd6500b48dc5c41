import MetricsFormats
/// vLLM V1 (`vllm:` names; also the `vllm_` spelling some client libraries and relabelling
/// rules produce). V0's `gpu_cache_usage_perc` is read when V1's `kv_cache_usage_perc` is absent.
public struct VLLMMapping: MetricsMapping {
    public let stack = Stack.vllm
    public init() {}

    func index(_ e: Exposition) -> FamilyIndex { FamilyIndex(e, aliases: [("vllm_", "vllm:")]) }

    public func detects(_ e: Exposition) -> Bool {
        FamilyIndex.mentions(e, ["vllm:num_requests_running", "vllm:num_requests_waiting"], aliases: [("vllm_", "vllm:")])
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = index(e)
        var r = EngineReading(stack: stack, models: i.labelValues("model_name", in: ["vllm:num_requests_running"]))
        r.gauges[.running] = i.sum("vllm:num_requests_running")
        r.gauges[.waiting] = i.sum("vllm:num_requests_waiting")
        r.gauges[.kvCacheUsage] = i.mean("vllm:kv_cache_usage_perc") ?? i.mean("vllm:gpu_cache_usage_perc")
        r.setCounter(.promptTokens, i.counter("vllm:prompt_tokens"))
        r.setCounter(.generationTokens, i.counter("vllm:generation_tokens"))
        r.setCounter(.prefixCacheQueries, i.counter("vllm:prefix_cache_queries"))
        r.setCounter(.prefixCacheHits, i.counter("vllm:prefix_cache_hits"))
        r.setCounter(.preemptions, i.counter("vllm:num_preemptions"))
        // One family for every way a request finishes; aborted and errored ones are failures.
        let failed: (MetricSample) -> Bool = { ["abort", "error"].contains($0.label("finished_reason") ?? "") }
        r.setCounter(.requestsSucceeded, i.counter("vllm:request_success") { !failed($0) })
        r.setCounter(.requestsFailed, i.counter("vllm:request_success", where: failed))
        r.latencies[.timeToFirstToken] = i.histogram("vllm:time_to_first_token_seconds")
        r.latencies[.endToEnd] = i.histogram("vllm:e2e_request_latency_seconds")
        r.latencies[.interToken] = i.histogram("vllm:inter_token_latency_seconds")
            ?? i.histogram("vllm:time_per_output_token_seconds")
        r.latencies[.queueTime] = i.histogram("vllm:request_queue_time_seconds")
        r.kvCacheTokens = Self.kvCacheTokens(e)
        r.latencies[.promptLength] = i.histogram("vllm:request_prompt_tokens")
        r.latencies[.outputLength] = i.histogram("vllm:request_generation_tokens")
        return r
    }

    /// `num_gpu_blocks` x `block_size` from `cache_config_info`'s labels, summed over the
    /// server's engines; nil where a label is missing or "None" (not profiled yet).
    static func kvCacheTokens(_ e: Exposition) -> Int? {
        guard let family = e.families.first(where: { $0.name == "vllm:cache_config_info" || $0.name == "vllm_cache_config_info" }) else { return nil }
        var total = 0
        for s in family.samples {
            guard let blocks = s.label("num_gpu_blocks").flatMap({ Int($0) }), let size = s.label("block_size").flatMap({ Int($0) }),
                  blocks > 0, size > 0, blocks <= 100_000_000, size <= 4096 else { return nil }
            total += blocks * size
        }
        return total > 0 ? total : nil
    }
}

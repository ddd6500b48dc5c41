/// Renders a simulated node as vLLM V1's /metrics page (Prometheus text format 0.0.4), with
/// vLLM's metric names, types, labels and histogram buckets, so anything that reads a real
/// vLLM server (Prometheus, fleetdeck's own scraper) reads a simulated one the same way.
public enum VLLMExpositionWriter {
    public static func render(_ e: NodeExposition) -> String {
        var out = ""
        out.reserveCapacity(8192)
        let labels = "engine=\"0\",model_name=\"\(escape(e.model))\""

        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ extra: String = "", _ value: Double) {
            out += "\(name){\(labels)\(extra)} \(number(value))\n"
        }
        func histogram(_ name: String, _ help: String, _ h: BucketCounts) {
            family(name, "histogram", help)
            var cumulative: UInt64 = 0
            for (bound, c) in zip(h.bounds, h.counts) {
                cumulative += c
                sample(name + "_bucket", ",le=\"\(number(bound))\"", Double(cumulative))
            }
            sample(name + "_bucket", ",le=\"+Inf\"", Double(h.count))
            sample(name + "_count", "", Double(h.count))
            sample(name + "_sum", "", h.sum)
        }

        family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
        sample("vllm:num_requests_running", "", Double(e.running))
        family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
        sample("vllm:num_requests_waiting", "", Double(e.waiting))
        family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.")
        sample("vllm:kv_cache_usage_perc", "", e.kvCacheUsage)
        family("vllm:prefix_cache_queries", "counter", "Prefix cache queries, in terms of number of queried tokens.")
        sample("vllm:prefix_cache_queries_total", "", Double(e.prefixQueries))
        family("vllm:prefix_cache_hits", "counter", "Prefix cache hits, in terms of number of cached tokens.")
        sample("vllm:prefix_cache_hits_total", "", Double(e.prefixHits))
        family("vllm:num_preemptions", "counter", "Cumulative number of preemption from the engine.")
        sample("vllm:num_preemptions_total", "", Double(e.preemptions))
        family("vllm:prompt_tokens", "counter", "Number of prefill tokens processed.")
        sample("vllm:prompt_tokens_total", "", Double(e.promptTokens))
        family("vllm:generation_tokens", "counter", "Number of generation tokens processed.")
        sample("vllm:generation_tokens_total", "", Double(e.generationTokens))
        family("vllm:request_success", "counter", "Count of successfully processed requests.")
        sample("vllm:request_success_total", ",finished_reason=\"stop\"", Double(e.requestsFinished))
        histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", e.timeToFirstToken)
        histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e.endToEnd)
        family("vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig")
        out += "vllm:cache_config_info{block_size=\"\(e.blockSize)\",engine=\"0\",num_gpu_blocks=\"\(e.gpuBlocks)\"} 1.0\n"
        return out
    }

    /// Label-value escaping of the text format: backslash, double quote and newline.
    static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// Python's float formatting as vLLM's client library prints it: `41.0`, `0.25`, `+Inf`.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return "\(v)"
    }
}

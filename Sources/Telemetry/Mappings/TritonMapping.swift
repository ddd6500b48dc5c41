import MetricsFormats
/// NVIDIA Triton with TensorRT-LLM: queue and batch from the `nv_trt_llm_*` gauges (told apart
/// by their `*_type` label), KV use from used/max blocks, TTFT from a millisecond histogram.
public struct TritonMapping: MetricsMapping {
    public let stack = Stack.triton
    public init() {}

    public func detects(_ e: Exposition) -> Bool {
        FamilyIndex.mentions(e, ["nv_inference_request_success"])
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = FamilyIndex(e)
        var r = EngineReading(stack: stack, models: i.labelValues("model", in: ["nv_inference_request_success"]))
        r.gauges[.waiting] = i.sum("nv_trt_llm_request_metrics") { $0.label("request_type") == "waiting" }
            ?? i.sum("nv_inference_pending_request_count")
        r.gauges[.running] = i.sum("nv_trt_llm_request_metrics") { $0.label("request_type") == "scheduled" }
            ?? i.sum("nv_trt_llm_request_metrics") { $0.label("request_type") == "active" }
        if let used = i.sum("nv_trt_llm_kv_cache_block_metrics", where: { $0.label("kv_cache_block_type") == "used" }),
           let max = i.sum("nv_trt_llm_kv_cache_block_metrics", where: { $0.label("kv_cache_block_type") == "max" }), max > 0 {
            r.gauges[.kvCacheUsage] = used / max
        }
        // The ensemble's numbers are the requests as clients see them.
        let ensemble: (MetricSample) -> Bool = { $0.label("model") == "ensemble" }
        r.setCounter(.requestsSucceeded, i.counter("nv_inference_request_success", where: ensemble)
            ?? i.counter("nv_inference_request_success"))
        r.setCounter(.requestsFailed, i.counter("nv_inference_request_failure", where: ensemble))
        r.latencies[.timeToFirstToken] = i.histogram("nv_inference_first_response_histogram_ms")?.scaled(by: 0.001)
        let gpuUtil = i.families["nv_gpu_utilization"]?.samples ?? []
        r.gpus = gpuUtil.enumerated().map { k, s in
            EngineReading.GPU(index: k, name: s.label("gpu_uuid"), utilization: s.value)
        }
        return r
    }
}

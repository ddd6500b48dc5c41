import MetricsFormats
/// Hugging Face TGI's router. Counters have no `_total`; token counts come from the sums of
/// its per-request histograms; KV use is the batch's token budget in use.
public struct TGIMapping: MetricsMapping {
    public let stack = Stack.tgi
    public init() {}

    public func detects(_ e: Exposition) -> Bool {
        FamilyIndex.mentions(e, ["tgi_queue_size", "tgi_batch_current_size"])
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = FamilyIndex(e)
        var r = EngineReading(stack: stack, models: [])
        r.gauges[.running] = i.sum("tgi_batch_current_size")
        r.gauges[.waiting] = i.sum("tgi_queue_size")
        if let used = i.sum("tgi_batch_current_max_tokens"), let total = i.sum("tgi_batch_max_total_tokens"), total > 0 {
            r.gauges[.kvCacheUsage] = min(1, used / total)
        }
        r.counters[.promptTokens] = i.histogram("tgi_request_input_length")?.sum
        r.counters[.generationTokens] = i.histogram("tgi_request_generated_tokens")?.sum
        r.setCounter(.requestsSucceeded, i.counter("tgi_request_success"))
        r.setCounter(.requestsFailed, i.counter("tgi_request_failure"))
        r.latencies[.endToEnd] = i.histogram("tgi_request_duration")
        r.latencies[.queueTime] = i.histogram("tgi_request_queue_duration")
        r.latencies[.interToken] = i.histogram("tgi_request_mean_time_per_token_duration")
        r.latencies[.promptLength] = i.histogram("tgi_request_input_length")
        r.latencies[.outputLength] = i.histogram("tgi_request_generated_tokens")
        return r
    }
}

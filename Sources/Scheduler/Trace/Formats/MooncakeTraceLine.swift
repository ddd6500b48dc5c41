/// Mooncake's trace line (kvcache-ai/Mooncake, FAST'25): `{"timestamp": ms from the start,
/// "input_length", "output_length", "hash_ids": [...]}`. Each hash id names one 512-token block
/// of the prompt together with everything before it, so two requests whose ids agree up to a
/// position share that prefix.
enum MooncakeTraceLine {
    static let blockTokens = 512

    static func decode(_ text: String, number line: Int, decoder: TraceLineDecoder) throws -> TraceRequest {
        let o = try JSONTraceObject(text, line: line, decoder: decoder)
        let ms = try o.number("timestamp", required: true)!
        guard ms >= 0 else { throw decoder.fail(line, "timestamp", "an arrival cannot be before the trace starts (got \(ms) ms)") }
        let prompt = try o.tokens("input_length")
        return TraceRequest(line: line, id: "line-\(line)", arrival: ms / 1000, promptTokens: prompt,
                            outputTokens: try o.tokens("output_length"),
                            blockHashes: try o.hashes("hash_ids", promptTokens: prompt, blockTokens: blockTokens),
                            hashBlockTokens: blockTokens)
    }
}

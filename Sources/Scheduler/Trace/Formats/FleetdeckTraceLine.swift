import FleetCore

/// fleetdeck's own trace line: `{"arrival_s", "prompt_tokens", "output_tokens"}` with, when
/// measured, `first_token_s` and `finish_s`, and optionally `id` and `hash_ids` (with
/// `hash_block_tokens`, default 512 as Mooncake's).
enum FleetdeckTraceLine {
    static func decode(_ text: String, number line: Int, decoder: TraceLineDecoder) throws -> TraceRequest {
        let o = try JSONTraceObject(text, line: line, decoder: decoder)
        let arrival = try o.number("arrival_s", required: true)!
        guard arrival >= 0 else { throw decoder.fail(line, "arrival_s", "an arrival cannot be before the trace starts (got \(arrival))") }
        let first = try o.number("first_token_s", required: false)
        let finish = try o.number("finish_s", required: false)
        if let first, first < arrival { throw decoder.fail(line, "first_token_s", "the first token comes before the arrival") }
        if let finish, finish < (first ?? arrival) { throw decoder.fail(line, "finish_s", "the request finishes before its first token") }
        let id = o.string("id").map(TerminalText.sanitized) ?? "line-\(line)"
        let prompt = try o.tokens("prompt_tokens")
        let blockTokens = try o.number("hash_block_tokens", required: false).map {
            try decoder.tokens($0, field: "hash_block_tokens", line: line)
        } ?? MooncakeTraceLine.blockTokens
        return TraceRequest(line: line, id: id, arrival: arrival, promptTokens: prompt,
                            outputTokens: try o.tokens("output_tokens"), measuredFirstToken: first, measuredFinish: finish,
                            blockHashes: try o.hashes("hash_ids", promptTokens: prompt, blockTokens: blockTokens),
                            hashBlockTokens: blockTokens)
    }
}

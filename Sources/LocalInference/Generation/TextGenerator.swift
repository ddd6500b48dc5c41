import Foundation

/// What one generation took.
public struct GenerationTimings: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var generatedTokens: Int
    /// Evaluating the prompt (one batched pass per 64 tokens).
    public var promptSeconds: Double
    /// From the start to the first generated token: prompt evaluation plus one sampling.
    public var timeToFirstTokenSeconds: Double
    /// The decode steps after the first token, each a forward pass plus a sampling.
    public var generationSeconds: Double

    public var promptTokensPerSecond: Double { promptSeconds > 0 ? Double(promptTokens) / promptSeconds : 0 }
    /// Tokens after the first over the time they took (the first token's cost is the prompt's).
    public var generationTokensPerSecond: Double {
        generationSeconds > 0 ? Double(max(generatedTokens - 1, 0)) / generationSeconds : 0
    }
}

public struct GenerationResult: Sendable {
    public var promptTokens: [Int32]
    public var generatedTokens: [Int32]
    public var text: String
    public var stoppedAtEndOfText: Bool
    public var timings: GenerationTimings
}

/// Prompt in, continuation out: tokenizes, evaluates the prompt in batches, then samples and
/// feeds one token at a time until the limit or the end-of-text token, streaming the text.
public final class TextGenerator: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let context: LlamaContext

    public init(model: LlamaModel, tokenizer: BPETokenizer, contextCapacity: Int = 1024, runner: ParallelRunner? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        context = LlamaContext(model: model, capacity: contextCapacity, runner: runner)
    }

    public convenience init(modelPath: String, contextCapacity: Int = 1024, runner: ParallelRunner? = nil) throws {
        let file = try GGUFFile(path: modelPath)
        try self.init(model: LlamaModel(file: file), tokenizer: BPETokenizer(file: file), contextCapacity: contextCapacity, runner: runner)
    }

    /// Generates up to `maxTokens` after `prompt` (text, with control tokens parsed). The
    /// context starts empty each call. `onToken` is called for every generated token with the
    /// text it completes (never half a UTF-8 sequence, so sometimes ""); returning false from
    /// it stops the generation.
    public func generate(prompt: String, maxTokens: Int, sampling: SamplingParameters = .greedy,
                         onToken: (_ token: Int32, _ text: String) -> Bool = { _, _ in true }) throws -> GenerationResult {
        try generate(promptTokens: tokenizer.encode(prompt), maxTokens: maxTokens, sampling: sampling, onToken: onToken)
    }

    public func generate(promptTokens: [Int32], maxTokens: Int, sampling: SamplingParameters = .greedy,
                         onToken: (_ token: Int32, _ text: String) -> Bool = { _, _ in true }) throws -> GenerationResult {
        context.reset()
        guard !promptTokens.isEmpty else {
            throw LocalInferenceError.tokenizer(path: model.file.path, reason: "the prompt is empty")
        }
        let limit = min(maxTokens, context.capacity - promptTokens.count)
        guard limit >= 0 else { throw LocalInferenceError.contextFull(capacity: context.capacity) }
        var sampler = TokenSampler(sampling)
        var decoder = UTF8StreamDecoder()
        var generated: [Int32] = []
        var text = ""
        var stopped = false
        let start = DispatchTime.now().uptimeNanoseconds
        func since(_ t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }

        var logits = try model.evaluate(promptTokens, in: context)
        let promptSeconds = since(start)
        var ttft = 0.0
        var decodeStart = DispatchTime.now().uptimeNanoseconds
        while generated.count < limit {
            let token = sampler.sample(logits)
            if generated.isEmpty {
                ttft = since(start)
                decodeStart = DispatchTime.now().uptimeNanoseconds
            }
            if token == tokenizer.eos { stopped = true; break }
            generated.append(token)
            let piece = decoder.append(tokenizer.bytes(of: token))
            text += piece
            if !onToken(token, piece) { break }
            if generated.count == limit { break }
            logits = try model.evaluate([token], in: context)
        }
        // An incomplete sequence at the very end is returned, not streamed.
        text += decoder.finish()
        let timings = GenerationTimings(promptTokens: promptTokens.count, generatedTokens: generated.count,
                                        promptSeconds: promptSeconds, timeToFirstTokenSeconds: ttft,
                                        generationSeconds: generated.isEmpty ? 0 : since(decodeStart))
        return GenerationResult(promptTokens: promptTokens, generatedTokens: generated, text: text,
                                stoppedAtEndOfText: stopped, timings: timings)
    }
}

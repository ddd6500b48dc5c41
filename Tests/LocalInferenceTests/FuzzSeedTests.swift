import FleetdeckTestSupport
import Foundation
import LocalInference
import Testing

/// The GGUF fuzzer's seed: a whole tiny model with a gpt2 byte-level tokenizer, so mutations
/// start from a file that loads, tokenizes and runs, and reach the code past the header. Model
/// files stay out of git: this test writes it into the fuzz build folder (.build-fuzz/seeds/gguf/),
/// where `Scripts/fuzz` takes it, and checks that it runs.
@Suite struct FuzzSeedTests {
    static var seedPath: String { RepositoryRoot.path + "/.build-fuzz/seeds/gguf/tiny-gpt2.gguf" }

    /// 94 printable ASCII characters (byte-level BPE keeps them as they are), the space as Ġ,
    /// two merges and three control tokens: 100 tokens.
    static func seedWriter() -> GGUFTestWriter {
        let shape = TinyLlamaShape(embedding: 32, heads: 2, kvHeads: 1, feedForward: 32, blocks: 1, vocabulary: 100, context: 16)
        var w = TinyLlama.writer(shape: shape, type: .q8_0, tiedOutput: true, seed: 17)
        for key in w.metadata.map(\.key) where key.hasPrefix("fleetdeck.test.") || key.hasPrefix("tokenizer.") {
            w.removeMetadata(key)
        }
        let printable = (33...126).map { String(UnicodeScalar(UInt8($0))) }
        let tokens = printable + ["Ġ", "he", "Ġt", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        w.addMetadata("tokenizer.ggml.model", .string("gpt2"))
        w.addMetadata("tokenizer.ggml.pre", .string("smollm"))
        w.addMetadata("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) }))
        w.addMetadata("tokenizer.ggml.token_type", .array(.int32, tokens.indices.map { .int32($0 >= 97 ? 3 : 1) }))
        w.addMetadata("tokenizer.ggml.merges", .array(.string, [.string("h e"), .string("Ġ t")]))
        w.addMetadata("tokenizer.ggml.bos_token_id", .uint32(98))
        w.addMetadata("tokenizer.ggml.eos_token_id", .uint32(97))
        return w
    }

    @Test func theSeedIsWrittenAndRuns() throws {
        let written = Self.seedWriter().encode().bytes
        try FileManager.default.createDirectory(atPath: (Self.seedPath as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(written).write(to: URL(fileURLWithPath: Self.seedPath), options: .atomic)
        #expect(try GGUFFile(path: Self.seedPath).tensorNames.count == 11, "the embedding, the output norm and one layer's seven matrices and two norms (output tied)")

        let generator = try TextGenerator(modelPath: Self.seedPath, contextCapacity: 16, runner: ParallelRunner(threads: 1))
        #expect(generator.tokenizer.encode("the heat", addBOS: false) == [83, 95, 94, 95, 64, 83])
        let result = try generator.generate(prompt: "<|im_start|>the", maxTokens: 4)
        #expect(result.promptTokens.first == 98 && !result.generatedTokens.isEmpty)
    }
}

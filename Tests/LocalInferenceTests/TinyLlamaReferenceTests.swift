import Foundation
import LocalInference
import Testing

/// One tiny model per storage type the loader supports, plus the two file-layout variations that
/// change where the loader has to look: a tied output matrix and a non-default alignment.
struct TinyModelCase: Sendable, CustomTestStringConvertible {
    var label: String
    var type: GGUFTestWriter.TensorType
    var tiedOutput = false
    var alignment: Int?
    var seed: UInt64

    var testDescription: String { label }

    static let all: [TinyModelCase] = [
        TinyModelCase(label: "F32", type: .f32, seed: 1),
        TinyModelCase(label: "F16", type: .f16, seed: 2),
        TinyModelCase(label: "Q8_0", type: .q8_0, seed: 3),
        TinyModelCase(label: "Q4_0", type: .q4_0, seed: 4),
        TinyModelCase(label: "Q4_1", type: .q4_1, seed: 5),
        // Quantized, so the output matrix the loader falls back to is a quantized embedding.
        TinyModelCase(label: "Q4_0, tied output", type: .q4_0, tiedOutput: true, seed: 6),
        // Q8_0 because its token_embd (194 blocks of 34 bytes) ends 4 bytes past a 64-byte
        // boundary: padding to 32 and to 64 then disagree, so a loader that ignored
        // general.alignment would read the later tensors from the wrong place (checked in
        // `theAlignmentCaseReallyDependsOnTheAlignment`).
        TinyModelCase(label: "Q8_0, alignment 64", type: .q8_0, alignment: 64, seed: 7),
    ]
}

/// The module's forward pass against the longhand reference in ReferenceLlama.swift, on models
/// the test writes itself, along the three ways a caller feeds tokens: one at a time, all at
/// once, and a batch on top of tokens already in the context.
@Suite struct TinyLlamaReferenceTests {
    /// Both sides compute from the same dequantized weights and the same Float16 rounding of the
    /// KV cache, so what is left is float32 round-off in the module, plus the odd cached value
    /// that float32 puts on the other side of a Float16 step (5e-5 at most here). 1e-3
    /// is far above that and far below the effect of any real mistake (see
    /// `theToleranceWouldCatchTheUsualMistakes`). It assumes activations stay in float:
    /// quantizing them for the dot products, as llama.cpp does with Q8 blocks, would spend this
    /// budget several times over.
    static let tolerance = 1e-3
    /// The batch and single-token paths run the same arithmetic in another order; they should
    /// agree more closely with each other than either has to with the reference. Not closer
    /// than this, though: a different summation order can tip a cached value into the next
    /// Float16 step, which has moved logits by 2e-5.
    static let pathAgreement = 2.5e-4

    /// Both ends of the vocabulary, a repeated token (same embedding, different position), and
    /// seven positions so attention spans more than a trivial window.
    static let tokens: [Int32] = [1, 96, 0, 42, 42, 7, 63]

    /// The model file on disk, the loaded model, and the reference logits after each token.
    final class Fixture {
        let shape = TinyLlamaShape()
        let directory: TemporaryDirectory
        let file: GGUFFile
        let model: LlamaModel
        let reference: [[Double]]

        init(_ c: TinyModelCase) throws {
            let writer = TinyLlama.writer(
                shape: shape, type: c.type, tiedOutput: c.tiedOutput, alignment: c.alignment, seed: c.seed)
            directory = try TemporaryDirectory()
            let path = try directory.write(writer.encode().bytes, named: "tiny.gguf")
            file = try GGUFFile(path: path)
            model = try LlamaModel(file: file)
            var model = ReferenceLlama(writer, shape: shape)
            // LlamaContext keeps its KV cache in Float16; see `float16KVCache`.
            model.float16KVCache = true
            reference = model.logits(for: TinyLlamaReferenceTests.tokens)
        }
    }

    @Test func theConfigurationComesFromTheMetadata() throws {
        let f = try Fixture(TinyModelCase.all[0])
        let config = f.model.config
        #expect(Int(config.vocabularySize) == f.shape.vocabulary)
        #expect(Int(config.embeddingLength) == f.shape.embedding)
        #expect(Int(config.blockCount) == f.shape.blocks)
        #expect(Int(config.headCount) == f.shape.heads)
        #expect(Int(config.headCountKV) == f.shape.kvHeads)
        #expect(Int(config.contextLength) == f.shape.context)
    }

    @Test(arguments: TinyModelCase.all)
    func oneTokenAtATime(_ c: TinyModelCase) throws {
        let f = try Fixture(c)
        let context = LlamaContext(model: f.model, capacity: f.shape.context)
        #expect(Int(context.count) == 0)
        for (i, token) in Self.tokens.enumerated() {
            let logits = try f.model.evaluate([token], in: context)
            expectClose(logits, f.reference[i], within: Self.tolerance, "\(c.label), token \(i) alone")
            #expect(Int(context.count) == i + 1)
        }
    }

    @Test(arguments: TinyModelCase.all)
    func wholePromptAtOnce(_ c: TinyModelCase) throws {
        let f = try Fixture(c)
        let context = LlamaContext(model: f.model, capacity: f.shape.context)
        let batch = try f.model.evaluate(Self.tokens, in: context)
        expectClose(batch, f.reference.last!, within: Self.tolerance, "\(c.label), whole prompt")
        #expect(Int(context.count) == Self.tokens.count)

        // The same context after reset, fed token by token, must land on the same logits: this
        // is where a stale cache, or a causal mask the batch path applies differently, shows.
        context.reset()
        #expect(Int(context.count) == 0)
        var stepwise: [Float] = []
        for token in Self.tokens {
            stepwise = try f.model.evaluate([token], in: context)
        }
        expectClose(stepwise, batch.map(Double.init), within: Self.pathAgreement,
                    "\(c.label), token by token after reset vs whole prompt")
    }

    @Test(arguments: TinyModelCase.all)
    func promptAfterCachedTokens(_ c: TinyModelCase) throws {
        let f = try Fixture(c)
        // A batch that starts at position 3 has to use positions 3... for RoPE and attend to the
        // cached 0..<3 as well as causally within itself.
        let context = LlamaContext(model: f.model, capacity: f.shape.context)
        let first = try f.model.evaluate(Array(Self.tokens[0..<3]), in: context)
        expectClose(first, f.reference[2], within: Self.tolerance, "\(c.label), tokens 0..<3")
        let rest = try f.model.evaluate(Array(Self.tokens[3...]), in: context)
        expectClose(rest, f.reference[6], within: Self.tolerance, "\(c.label), tokens 3..<7 after 0..<3")
        #expect(Int(context.count) == Self.tokens.count)

        // A second context on the same model starts empty: the state lives in the context.
        let other = LlamaContext(model: f.model, capacity: f.shape.context)
        let alone = try f.model.evaluate([Self.tokens[0]], in: other)
        expectClose(alone, f.reference[0], within: Self.tolerance, "\(c.label), fresh second context")
        #expect(Int(other.count) == 1)
        #expect(Int(context.count) == Self.tokens.count)
    }

    /// Guards the test itself: with 32-byte alignment some tensor would start elsewhere.
    @Test func theAlignmentCaseReallyDependsOnTheAlignment() throws {
        let c = try #require(TinyModelCase.all.first { $0.alignment == 64 })
        let writer = TinyLlama.writer(type: c.type, alignment: 64, seed: c.seed)
        let layout = writer.encode()
        var cursor = 0
        var differs = false
        for t in writer.tensors {
            cursor = GGUFTestWriter.roundUp(cursor, to: 32)
            differs = differs || layout.tensorDataRanges[t.name]!.lowerBound - layout.dataSectionStart != cursor
            cursor += t.data.count
        }
        #expect(differs)
        #expect(layout.dataSectionStart % 64 == 0)
    }

    /// Guards the test itself: the reference with a classic llama-porting mistake must land well
    /// outside the tolerance, or the comparisons above would prove little.
    @Test func theToleranceWouldCatchTheUsualMistakes() {
        let shape = TinyLlamaShape()
        let writer = TinyLlama.writer(shape: shape, type: .f32, seed: 1)
        let right = ReferenceLlama(writer, shape: shape)
        var neoxRoPE = right
        neoxRoPE.ropePairing = .halves
        var interleavedHeads = right
        interleavedHeads.kvHeadMapping = .interleaved

        let expected = right.logits(for: Self.tokens)
        // Near-constant logits would make any tolerance meaningless.
        let spread = expected.last!.max()! - expected.last!.min()!
        #expect(spread > 0.5, "reference logits too flat to test anything (spread \(spread))")
        for (name, wrong) in [("RoPE on halves", neoxRoPE), ("KV head = head % kvHeads", interleavedHeads)] {
            let got = wrong.logits(for: Self.tokens)
            let worst = zip(got, expected).map { maxDifference($0.map { Float($0) }, $1).difference }.max()!
            #expect(worst > 20 * Self.tolerance, "\(name) only moves the logits by \(worst)")
        }
    }
}

/// The largest |actual - expected| and where; NaN counts as infinitely far.
func maxDifference(_ actual: [Float], _ expected: [Double]) -> (difference: Double, index: Int) {
    var worst = (difference: 0.0, index: 0)
    for i in 0..<min(actual.count, expected.count) {
        let d = abs(Double(actual[i]) - expected[i])
        let difference = d.isNaN ? .infinity : d
        if difference > worst.difference { worst = (difference, i) }
    }
    return worst
}

/// One expectation per vector rather than per element, naming the worst element, so a broken
/// kernel reports one readable line instead of a hundred.
func expectClose(
    _ actual: [Float], _ expected: [Double], within tolerance: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) logits, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let (difference, i) = maxDifference(actual, expected)
    #expect(difference <= tolerance,
            "\(what): max |Δ| \(difference) at logit \(i) (got \(actual[i]), want \(expected[i]))",
            sourceLocation: sourceLocation)
}

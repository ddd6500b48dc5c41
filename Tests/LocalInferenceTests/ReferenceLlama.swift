import Foundation
import LocalInference

/// Hyperparameters of the test models. Small enough that the plain reference below runs in
/// milliseconds, yet with every feature that needs checking: grouped-query attention (4 query
/// heads over 2 KV heads), more than one block, a feed-forward width (160 = 5 blocks of 32) that
/// gives rows an odd number of quant blocks, and a vocabulary (97) that is no power of two, so
/// quantized matrices end off the alignment and kernels that work in tiles meet a tail.
struct TinyLlamaShape: Sendable {
    var embedding = 64
    var heads = 4
    var kvHeads = 2
    var feedForward = 160
    var blocks = 2
    var vocabulary = 97
    var context = 64
    var ropeBase: Float = 10_000
    var rmsEpsilon: Float = 1e-5

    var headDim: Int { embedding / heads }
}

/// Writes random tiny llama models.
enum TinyLlama {
    /// Every matrix (token embedding included) in `type`, norms in F32 as real files have them.
    /// `tiedOutput` leaves out output.weight so the embedding doubles as the output matrix;
    /// `alignment` writes general.alignment. `architecture` names the metadata prefix too, so a
    /// file claiming another architecture is complete under that name (only the error tests
    /// change it).
    static func writer(
        shape: TinyLlamaShape = TinyLlamaShape(),
        type: GGUFTestWriter.TensorType,
        tiedOutput: Bool = false,
        alignment: Int? = nil,
        architecture: String = "llama",
        seed: UInt64
    ) -> GGUFTestWriter {
        var w = GGUFTestWriter()
        addMetadata(to: &w, shape: shape, architecture: architecture, alignment: alignment)

        var rng = SplitMix64(seed: seed)
        let e = shape.embedding, hd = shape.headDim
        let qWidth = shape.heads * hd, kvWidth = shape.kvHeads * hd

        // Scales chosen so nothing saturates or vanishes: embeddings small (RMSNorm rescales them
        // anyway), Q and K larger than the rest so attention is clearly non-uniform and a wrong
        // position or head shows in the logits, norm weights around 1 but not equal to it so a
        // forgotten multiply is visible too.
        func matrix(_ name: String, inputs: Int, outputs: Int, scale: Float = 0.1) {
            w.addTensor(name: name, type: type, dims: [inputs, outputs],
                        values: rng.uniform(count: inputs * outputs, scale: scale))
        }
        func norm(_ name: String) {
            w.addTensor(name: name, type: .f32, dims: [e], values: rng.uniform(count: e, scale: 0.25, around: 1))
        }

        matrix("token_embd.weight", inputs: e, outputs: shape.vocabulary)
        norm("output_norm.weight")
        if !tiedOutput {
            matrix("output.weight", inputs: e, outputs: shape.vocabulary)
        }
        for i in 0..<shape.blocks {
            norm("blk.\(i).attn_norm.weight")
            matrix("blk.\(i).attn_q.weight", inputs: e, outputs: qWidth, scale: 0.25)
            matrix("blk.\(i).attn_k.weight", inputs: e, outputs: kvWidth, scale: 0.25)
            matrix("blk.\(i).attn_v.weight", inputs: e, outputs: kvWidth)
            matrix("blk.\(i).attn_output.weight", inputs: qWidth, outputs: e)
            norm("blk.\(i).ffn_norm.weight")
            matrix("blk.\(i).ffn_gate.weight", inputs: e, outputs: shape.feedForward)
            matrix("blk.\(i).ffn_up.weight", inputs: e, outputs: shape.feedForward)
            matrix("blk.\(i).ffn_down.weight", inputs: shape.feedForward, outputs: e)
        }
        return w
    }

    /// The hyperparameter keys under `architecture`'s prefix, plus the kind of unrelated metadata
    /// real files carry (a tokenizer, every scalar type), which a loader has to step over.
    static func addMetadata(
        to w: inout GGUFTestWriter, shape: TinyLlamaShape, architecture: String, alignment: Int? = nil
    ) {
        let a = architecture
        w.addMetadata("general.architecture", .string(a))
        w.addMetadata("general.name", .string("fleetdeck tiny test model"))
        if let alignment {
            w.addMetadata("general.alignment", .uint32(UInt32(alignment)))
        }
        w.addMetadata("\(a).block_count", .uint32(UInt32(shape.blocks)))
        w.addMetadata("\(a).context_length", .uint32(UInt32(shape.context)))
        w.addMetadata("\(a).embedding_length", .uint32(UInt32(shape.embedding)))
        w.addMetadata("\(a).feed_forward_length", .uint32(UInt32(shape.feedForward)))
        w.addMetadata("\(a).attention.head_count", .uint32(UInt32(shape.heads)))
        w.addMetadata("\(a).attention.head_count_kv", .uint32(UInt32(shape.kvHeads)))
        w.addMetadata("\(a).rope.freq_base", .float32(shape.ropeBase))
        w.addMetadata("\(a).attention.layer_norm_rms_epsilon", .float32(shape.rmsEpsilon))
        w.addMetadata("\(a).vocab_size", .uint32(UInt32(shape.vocabulary)))
        w.addMetadata("\(a).rope.dimension_count", .uint32(UInt32(shape.headDim)))

        let n = shape.vocabulary
        w.addMetadata("tokenizer.ggml.model", .string("llama"))
        w.addMetadata("tokenizer.ggml.tokens", .array(.string, (0..<n).map { .string("<t\($0)>") }))
        w.addMetadata("tokenizer.ggml.scores", .array(.float32, (0..<n).map { .float32(-Float($0)) }))
        w.addMetadata("tokenizer.ggml.token_type", .array(.int32, (0..<n).map { _ in .int32(1) }))
        w.addMetadata("tokenizer.ggml.bos_token_id", .uint32(1))
        w.addMetadata("fleetdeck.test.u8", .uint8(7))
        w.addMetadata("fleetdeck.test.i8", .int8(-7))
        w.addMetadata("fleetdeck.test.u16", .uint16(700))
        w.addMetadata("fleetdeck.test.i16", .int16(-700))
        w.addMetadata("fleetdeck.test.i32", .int32(-70_000))
        w.addMetadata("fleetdeck.test.bool", .bool(true))
        w.addMetadata("fleetdeck.test.u64", .uint64(7_000_000_000))
        w.addMetadata("fleetdeck.test.i64", .int64(-7_000_000_000))
        w.addMetadata("fleetdeck.test.f64", .float64(0.7))
        w.addMetadata("fleetdeck.test.empty", .array(.uint8, []))
        w.addMetadata("fleetdeck.test.unicode", .string("œuf ✓ 日本"))
    }
}

/// The forward pass written out longhand in Double, one token at a time, from the values decoded
/// out of the writer (so the quantization error is the same one the module under test sees).
/// Nothing here is shared with the module: it is the specification the module is checked against.
struct ReferenceLlama {
    /// Output rows contiguous: `values[r * cols + c]`, as the GGUF matrix layout.
    struct Matrix {
        let rows: Int
        let cols: Int
        let values: [Double]

        init(_ writer: GGUFTestWriter, _ name: String) {
            let dims = writer.tensor(name)!.dims
            precondition(dims.count == 2)
            cols = dims[0]
            rows = dims[1]
            values = writer.values(of: name).map(Double.init)
        }

        func row(_ r: Int) -> [Double] {
            Array(values[(r * cols)..<((r + 1) * cols)])
        }

        func times(_ x: [Double]) -> [Double] {
            precondition(x.count == cols)
            return (0..<rows).map { r in
                var sum = 0.0
                for c in 0..<cols { sum += values[r * cols + c] * x[c] }
                return sum
            }
        }
    }

    struct Block {
        var attentionNorm: [Double]
        var q, k, v, output: Matrix
        var feedForwardNorm: [Double]
        var gate, up, down: Matrix
    }

    /// The mistakes the sensitivity test makes on purpose, to prove the tolerance would catch
    /// them. Only `.adjacentPairs` and `.grouped` are llama.
    enum RoPEPairing { case adjacentPairs, halves }
    enum KVHeadMapping { case grouped, interleaved }

    let shape: TinyLlamaShape
    let embeddings: Matrix
    let outputNorm: [Double]
    let output: Matrix
    let blocks: [Block]
    var ropePairing = RoPEPairing.adjacentPairs
    var kvHeadMapping = KVHeadMapping.grouped
    /// Rounds cached keys (after RoPE) and values to Float16, as a runtime with a half-precision
    /// KV cache stores them. That rounding is a storage choice like the weights' quantization,
    /// and on these models it alone moves logits by up to 7e-4, so a reference that did not
    /// share it would leave a 1e-3 tolerance almost no room for anything else.
    var float16KVCache = false

    init(_ writer: GGUFTestWriter, shape: TinyLlamaShape) {
        self.shape = shape
        func vector(_ name: String) -> [Double] { writer.values(of: name).map(Double.init) }
        embeddings = Matrix(writer, "token_embd.weight")
        outputNorm = vector("output_norm.weight")
        output = writer.tensor("output.weight") == nil ? embeddings : Matrix(writer, "output.weight")
        blocks = (0..<shape.blocks).map { i in
            Block(
                attentionNorm: vector("blk.\(i).attn_norm.weight"),
                q: Matrix(writer, "blk.\(i).attn_q.weight"),
                k: Matrix(writer, "blk.\(i).attn_k.weight"),
                v: Matrix(writer, "blk.\(i).attn_v.weight"),
                output: Matrix(writer, "blk.\(i).attn_output.weight"),
                feedForwardNorm: vector("blk.\(i).ffn_norm.weight"),
                gate: Matrix(writer, "blk.\(i).ffn_gate.weight"),
                up: Matrix(writer, "blk.\(i).ffn_up.weight"),
                down: Matrix(writer, "blk.\(i).ffn_down.weight"))
        }
    }

    /// The logits after each token of `tokens`, fed in order from an empty context.
    func logits(for tokens: [Int32]) -> [[Double]] {
        let hd = shape.headDim
        let group = shape.heads / shape.kvHeads
        // keys[layer][position], values likewise: the KV cache, after RoPE for keys.
        var keys = Array(repeating: [[Double]](), count: shape.blocks)
        var values = Array(repeating: [[Double]](), count: shape.blocks)
        var result: [[Double]] = []

        for (pos, token) in tokens.enumerated() {
            var x = embeddings.row(Int(token))
            for (l, block) in blocks.enumerated() {
                let h = rmsNorm(x, block.attentionNorm)
                let q = rope(block.q.times(h), position: pos)
                keys[l].append(cached(rope(block.k.times(h), position: pos)))
                values[l].append(cached(block.v.times(h)))

                var attended = [Double](repeating: 0, count: shape.heads * hd)
                for head in 0..<shape.heads {
                    let kvHead = kvHeadMapping == .grouped ? head / group : head % shape.kvHeads
                    let qh = Array(q[(head * hd)..<((head + 1) * hd)])
                    // Causal by construction: only positions 0...pos are in the cache yet.
                    let scores = (0...pos).map { p in
                        var dot = 0.0
                        for i in 0..<hd { dot += qh[i] * keys[l][p][kvHead * hd + i] }
                        return dot / Double(hd).squareRoot()
                    }
                    let weights = softmax(scores)
                    for p in 0...pos {
                        for i in 0..<hd {
                            attended[head * hd + i] += weights[p] * values[l][p][kvHead * hd + i]
                        }
                    }
                }
                x = add(x, block.output.times(attended))

                let f = rmsNorm(x, block.feedForwardNorm)
                let gate = block.gate.times(f), up = block.up.times(f)
                let hidden = (0..<gate.count).map { gate[$0] / (1 + exp(-gate[$0])) * up[$0] }
                x = add(x, block.down.times(hidden))
            }
            result.append(output.times(rmsNorm(x, outputNorm)))
        }
        return result
    }

    private func cached(_ v: [Double]) -> [Double] {
        float16KVCache ? v.map { Double(Float16(Float($0))) } : v
    }

    private func rmsNorm(_ x: [Double], _ weight: [Double]) -> [Double] {
        let meanSquare = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let scale = 1 / (meanSquare + Double(shape.rmsEpsilon)).squareRoot()
        return (0..<x.count).map { x[$0] * scale * weight[$0] }
    }

    /// llama.cpp's "NORM" RoPE, used for the llama architecture: within each head, the pairs are
    /// adjacent elements (2i, 2i+1), rotated by pos * base^(-2i/headDim). (GGUF converters permute
    /// the Q and K rows so this matches the original model's half-split rotation.)
    private func rope(_ v: [Double], position: Int) -> [Double] {
        let hd = shape.headDim
        var out = v
        for headStart in stride(from: 0, to: v.count, by: hd) {
            for i in 0..<(hd / 2) {
                let theta = Double(position) * pow(Double(shape.ropeBase), -2 * Double(i) / Double(hd))
                let (a, b) = ropePairing == .adjacentPairs
                    ? (headStart + 2 * i, headStart + 2 * i + 1)
                    : (headStart + i, headStart + i + hd / 2)
                out[a] = v[a] * cos(theta) - v[b] * sin(theta)
                out[b] = v[a] * sin(theta) + v[b] * cos(theta)
            }
        }
        return out
    }

    private func softmax(_ scores: [Double]) -> [Double] {
        let top = scores.max()!
        let e = scores.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    private func add(_ a: [Double], _ b: [Double]) -> [Double] {
        (0..<a.count).map { a[$0] + b[$0] }
    }
}

import Foundation

/// A llama-architecture model whose weights stay in the memory-mapped GGUF file.
public final class LlamaModel: @unchecked Sendable {
    public let file: GGUFFile
    public let config: LlamaConfig

    struct Layer {
        let attentionNorm: [Float]
        let query, key, value, attentionOutput: WeightMatrix
        let feedForwardNorm: [Float]
        let gate, up, down: WeightMatrix
    }

    let tokenEmbedding: WeightMatrix
    let layers: [Layer]
    let outputNorm: [Float]
    /// `output.weight`, or the embedding itself when the model ties them (SmolLM2 does).
    let output: WeightMatrix
    /// base^(-2i/d) for each rotary pair.
    let ropeInverseFrequencies: [Float]

    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }

    public init(file: GGUFFile) throws {
        try CPUFeatures.requireKernelSupport()
        self.file = file
        let config = try LlamaConfig(file: file)
        self.config = config
        let e = config.embeddingLength, kv = config.kvDimension, f = config.feedForwardLength

        func matrix(_ name: String, columns: Int, rows: Int) throws -> WeightMatrix {
            guard let t = file.tensors[name] else { throw LocalInferenceError.missingTensor(path: file.path, tensor: name) }
            guard let type = t.type, type.isSupported else {
                throw LocalInferenceError.unsupportedTensorType(path: file.path, tensor: name, type: t.typeCode)
            }
            guard t.dimensions == [columns, rows] else {
                throw LocalInferenceError.badTensorShape(path: file.path, tensor: name, expected: [columns, rows], found: t.dimensions)
            }
            // The kernels work in whole blocks (32 values; 256 for the k-quants).
            let block = max(32, type.blockLayout!.elements)
            guard columns % block == 0 else {
                throw LocalInferenceError.badTensorShape(path: file.path, tensor: name, expected: [(columns + block - 1) / block * block, rows], found: t.dimensions)
            }
            try Self.checkBounds(t, in: file)
            return WeightMatrix(name: name, type: type, rows: rows, columns: columns, data: file.data(of: t))
        }
        func vector(_ name: String, count: Int) throws -> [Float] {
            guard let t = file.tensors[name] else { throw LocalInferenceError.missingTensor(path: file.path, tensor: name) }
            guard let type = t.type, type == .f32 || type == .f16 else {
                throw LocalInferenceError.unsupportedTensorType(path: file.path, tensor: name, type: t.typeCode)
            }
            guard t.dimensions == [count] else {
                throw LocalInferenceError.badTensorShape(path: file.path, tensor: name, expected: [count], found: t.dimensions)
            }
            try Self.checkBounds(t, in: file)
            return [Float](unsafeUninitializedCapacity: count) { buffer, n in
                QuantizedKernels.dequantize(type, file.data(of: t), count: count, into: buffer.baseAddress!)
                n = count
            }
        }

        tokenEmbedding = try matrix("token_embd.weight", columns: e, rows: config.vocabularySize)
        var layers: [Layer] = []
        for i in 0..<config.blockCount {
            let p = "blk.\(i)."
            layers.append(Layer(
                attentionNorm: try vector(p + "attn_norm.weight", count: e),
                query: try matrix(p + "attn_q.weight", columns: e, rows: e),
                key: try matrix(p + "attn_k.weight", columns: e, rows: kv),
                value: try matrix(p + "attn_v.weight", columns: e, rows: kv),
                attentionOutput: try matrix(p + "attn_output.weight", columns: e, rows: e),
                feedForwardNorm: try vector(p + "ffn_norm.weight", count: e),
                gate: try matrix(p + "ffn_gate.weight", columns: e, rows: f),
                up: try matrix(p + "ffn_up.weight", columns: e, rows: f),
                down: try matrix(p + "ffn_down.weight", columns: f, rows: e)))
        }
        self.layers = layers
        outputNorm = try vector("output_norm.weight", count: e)
        output = file.tensors["output.weight"] == nil
            ? tokenEmbedding
            : try matrix("output.weight", columns: e, rows: config.vocabularySize)
        let d = config.headDimension
        ropeInverseFrequencies = (0..<d / 2).map { i in powf(config.ropeFreqBase, -Float(2 * i) / Float(d)) }
    }

    private static func checkBounds(_ t: GGUFTensorInfo, in file: GGUFFile) throws {
        guard let bytes = t.byteCount, t.fileOffset + bytes <= file.fileSize else {
            throw LocalInferenceError.tensorOutOfBounds(path: file.path, tensor: t.name, offset: t.fileOffset,
                                                        bytes: t.byteCount ?? 0, fileSize: file.fileSize)
        }
    }

    /// Bytes of weights the forward pass reads per token (for the memory-bandwidth figure).
    public var weightBytes: Int {
        var n = layers.reduce(0) { sum, l in
            sum + [l.query, l.key, l.value, l.attentionOutput, l.gate, l.up, l.down].reduce(0) { $0 + $1.rowBytes * $1.rows }
        }
        n += output.rowBytes * output.rows
        return n
    }

    /// Feeds `tokens` after what `context` already holds, as one batch (a prompt) or a single
    /// step (generation), and returns the logits of the last position.
    public func evaluate(_ tokens: [Int32], in context: LlamaContext) throws -> [Float] {
        guard !tokens.isEmpty else { return [] }
        for t in tokens where t < 0 || Int(t) >= config.vocabularySize {
            throw LocalInferenceError.tokenOutOfRange(token: t, vocabularySize: config.vocabularySize)
        }
        guard context.count + tokens.count <= context.capacity else { throw LocalInferenceError.contextFull(capacity: context.capacity) }
        var start = 0
        while start < tokens.count {
            let n = min(context.maxBatch, tokens.count - start)
            tokens[start..<start + n].withContiguousStorageIfAvailable { forward($0, in: context) }!
            start += n
        }
        return Array(UnsafeBufferPointer(start: context.logits, count: config.vocabularySize))
    }
}

/// The kernels are built for AVX2, FMA and F16C (Package.swift); a CPU without them would
/// die on an illegal instruction, so loading a model checks first and says so.
enum CPUFeatures {
    static let missing: [String] = {
        #if arch(x86_64)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        return ["avx2", "fma", "f16c"].filter { !flags.contains($0) }
        #else
        return []
        #endif
    }()

    static func requireKernelSupport() throws {
        guard missing.isEmpty else {
            throw LocalInferenceError.unsupportedCPU(missing: missing)
        }
    }
}

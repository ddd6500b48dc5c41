/// The hyper-parameters of a llama-architecture model, from the GGUF metadata.
public struct LlamaConfig: Sendable, Equatable {
    public var vocabularySize: Int
    public var embeddingLength: Int
    public var blockCount: Int
    public var headCount: Int
    public var headCountKV: Int
    public var feedForwardLength: Int
    public var contextLength: Int
    public var ropeFreqBase: Float
    public var rmsEpsilon: Float

    public init(vocabularySize: Int, embeddingLength: Int, blockCount: Int, headCount: Int, headCountKV: Int,
                feedForwardLength: Int, contextLength: Int, ropeFreqBase: Float, rmsEpsilon: Float) {
        self.vocabularySize = vocabularySize
        self.embeddingLength = embeddingLength
        self.blockCount = blockCount
        self.headCount = headCount
        self.headCountKV = headCountKV
        self.feedForwardLength = feedForwardLength
        self.contextLength = contextLength
        self.ropeFreqBase = ropeFreqBase
        self.rmsEpsilon = rmsEpsilon
    }

    public var headDimension: Int { embeddingLength / headCount }
    public var kvDimension: Int { headCountKV * headDimension }

    /// Reads `llama.*` keys and checks that the shape is one the forward pass can run.
    init(file: GGUFFile) throws {
        let arch = try file.requiredString("general.architecture")
        guard arch == "llama" else { throw LocalInferenceError.unsupportedArchitecture(path: file.path, architecture: arch) }
        func positive(_ key: String) throws -> Int {
            let n = try file.requiredInt(key)
            guard n > 0, n < 1 << 24 else { throw LocalInferenceError.badMetadata(path: file.path, key: key, reason: "must be positive, is \(n)") }
            return n
        }
        embeddingLength = try positive("llama.embedding_length")
        blockCount = try positive("llama.block_count")
        headCount = try positive("llama.attention.head_count")
        headCountKV = try file.metadata["llama.attention.head_count_kv"] == nil ? headCount : positive("llama.attention.head_count_kv")
        feedForwardLength = try positive("llama.feed_forward_length")
        contextLength = try positive("llama.context_length")
        // Values that load but leave nothing to run: a rope base of 0 or NaN turns every angle
        // into NaN, a negative epsilon the square root of a negative.
        func positiveReal(_ key: String, default value: Double, below limit: Double) throws -> Float {
            let v = try file.optionalDouble(key) ?? value
            guard v.isFinite, v > 0, v < limit else {
                throw LocalInferenceError.badMetadata(path: file.path, key: key, reason: "must be a positive number below \(limit), is \(v)")
            }
            return Float(v)
        }
        ropeFreqBase = try positiveReal("llama.rope.freq_base", default: 10_000, below: 1e12)
        rmsEpsilon = try positiveReal("llama.attention.layer_norm_rms_epsilon", default: 1e-5, below: 1)
        // The vocabulary size comes from the embedding tensor when the key is absent.
        if file.metadata["llama.vocab_size"] != nil {
            vocabularySize = try positive("llama.vocab_size")
        } else if let embd = file.tensors["token_embd.weight"], embd.dimensions.count == 2 {
            vocabularySize = embd.dimensions[1]
        } else {
            throw LocalInferenceError.missingMetadata(path: file.path, key: "llama.vocab_size")
        }

        guard embeddingLength % headCount == 0 else {
            throw LocalInferenceError.badMetadata(path: file.path, key: "llama.attention.head_count",
                                                  reason: "\(headCount) heads do not divide the embedding length \(embeddingLength)")
        }
        guard headCount % headCountKV == 0 else {
            throw LocalInferenceError.badMetadata(path: file.path, key: "llama.attention.head_count_kv",
                                                  reason: "\(headCountKV) KV heads do not divide \(headCount) query heads")
        }
        guard headDimension % 8 == 0 else {
            throw LocalInferenceError.badMetadata(path: file.path, key: "llama.attention.head_count",
                                                  reason: "head dimension \(headDimension) is not a multiple of 8")
        }
        // Tensors may share their bytes, so a small file can claim thousands of layers; each
        // costs KV cache per token of context. 4M floats a token is 8x what a 405B model needs.
        guard blockCount * kvDimension <= 1 << 22 else {
            throw LocalInferenceError.badMetadata(path: file.path, key: "llama.block_count",
                                                  reason: "\(blockCount) layers of \(kvDimension) KV values need \(blockCount * kvDimension * 8 >> 20) MiB of cache per token")
        }
        if let dims = try file.metadata["llama.rope.dimension_count"].map({ _ in try file.requiredInt("llama.rope.dimension_count") }),
           dims != headDimension {
            throw LocalInferenceError.badMetadata(path: file.path, key: "llama.rope.dimension_count",
                                                  reason: "partial rotary embeddings (\(dims) of \(headDimension)) are not supported")
        }
    }
}

import FleetCore
import Foundation

/// An engine's scheduler and KV-cache knobs, named as vLLM names them. Also reads the engine
/// description transformers' continuous-batching benchmark writes (shared/calibration's
/// engine.json), whose knobs map one to one.
public struct EngineSettings: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case vllm, sglang, tgi, llamacpp
        case transformersCB = "transformers-cb"

        /// The host-side cost of one step when the file does not give `step_overhead_ms`.
        /// vLLM, SGLang and TGI capture the decode step in CUDA graphs and overlap their
        /// scheduler with the GPU: a few milliseconds. transformers' continuous batching runs
        /// its scheduler, sampling and bookkeeping in Python between eager steps: 90 ms, the
        /// median inter-token gap of shared/calibration's light trace (108.7 ms) less the
        /// H100 table's decode step at that batch size (18.6 ms). Docs/scheduler-model.md.
        public var defaultStepOverhead: Double {
            switch self {
            case .vllm, .sglang: return 0.002
            case .tgi: return 0.003
            case .llamacpp: return 0.001
            case .transformersCB: return 0.090
            }
        }
    }

    public var kind: Kind
    public var blockSize: Int
    /// Given outright, or nil to size the cache from GPU memory.
    public var numBlocks: Int?
    public var gpuMemoryUtilization: Double
    public var maxNumBatchedTokens: Int
    public var maxNumSeqs: Int
    public var enablePrefixCaching: Bool
    public var enableChunkedPrefill: Bool
    /// Host time per step, fixed part; with the per-sequence and per-token parts, `hostCost`.
    public var stepOverhead: Double
    public var stepOverheadPerSequence = 0.0
    public var stepOverheadPerToken = 0.0
    public var tensorParallelSize: Int
    /// A measured burst this engine served, when its file records one: the second
    /// calibration point, at full batch (`fleetdeck calibrate`).
    public var capacityProbe: CapacityProbe?

    public var hostCost: HostCost {
        HostCost(perStep: stepOverhead, perSequence: stepOverheadPerSequence, perToken: stepOverheadPerToken)
    }

    public init(kind: Kind = .vllm, blockSize: Int = 16, numBlocks: Int? = nil, gpuMemoryUtilization: Double = 0.9,
                maxNumBatchedTokens: Int = 8192, maxNumSeqs: Int = 256, enablePrefixCaching: Bool = true,
                enableChunkedPrefill: Bool = true, stepOverhead: Double? = nil, tensorParallelSize: Int = 1) {
        self.kind = kind; self.blockSize = blockSize; self.numBlocks = numBlocks
        self.gpuMemoryUtilization = gpuMemoryUtilization; self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSeqs = maxNumSeqs; self.enablePrefixCaching = enablePrefixCaching
        self.enableChunkedPrefill = enableChunkedPrefill
        self.stepOverhead = stepOverhead ?? kind.defaultStepOverhead
        self.tensorParallelSize = tensorParallelSize
    }

    /// KV blocks a node may have, given or worked out: 10^8 blocks of 16 tokens is over 40x
    /// what an 8-GPU H100 node holds of a small model, and keeps blocks x block size in `Int`.
    public static let maxBlocks = 100_000_000

    /// Memory vLLM keeps back from the KV cache for activations and the CUDA graphs, per GPU.
    public static let activationReserveBytes = 0.5 * 1_073_741_824

    /// KV blocks on a node: given outright, or what GPU memory x utilisation leaves after the
    /// weights and the activation reserve. Nil when that is nothing (the model does not fit).
    public func kvBlocks(memoryGiBPerGPU: Double?, weightBytes: Double, kvBytesPerToken: Double) -> Int? {
        if let numBlocks { return numBlocks }
        guard let memoryGiBPerGPU else { return nil }
        let gpus = Double(tensorParallelSize)
        let budget = memoryGiBPerGPU * 1_073_741_824 * gpus * gpuMemoryUtilization
            - weightBytes - Self.activationReserveBytes * gpus
        let blocks = budget / (kvBytesPerToken * Double(blockSize))
        guard blocks.isFinite, blocks >= 1 else { return nil }
        return Int(min(blocks, Double(Self.maxBlocks)))
    }
}

/// Reads engine settings; errors name the file, the line and the field.
public enum EngineSettingsLoader {
    public static func load(file: String) throws -> EngineSettings {
        try parse(YAMLValue.load(contentsOf: file))
    }

    public static func parse(text: String, file: String) throws -> EngineSettings {
        try parse(YAMLValue.parse(text, file: file))
    }

    static func parse(_ doc: YAMLValue) throws -> EngineSettings {
        try doc.allowKeys(["engine", "block_size", "num_blocks", "gpu_memory_utilization", "max_num_batched_tokens",
                           "max_batch_tokens", "max_num_seqs", "enable_prefix_caching", "enable_chunked_prefill",
                           "step_overhead_ms", "step_overhead_per_sequence_ms", "step_overhead_per_token_ms",
                           "tensor_parallel_size", "description", "capacity_probe_requests",
                           // transformers continuous batching's own description of a run
                           "attention", "cb_config", "capacity_probe_req_per_s", "workload"])
        var s = EngineSettings()
        if let e = try doc.optional("engine") {
            let name = try e.string()
            switch name.lowercased() {
            case "vllm": s.kind = .vllm
            case "sglang": s.kind = .sglang
            case "tgi": s.kind = .tgi
            case "llamacpp", "llama.cpp": s.kind = .llamacpp
            case "transformers-cb", "transformers continuous batching": s.kind = .transformersCB
            default:
                throw e.error("unknown engine '\(name)' (known: vllm, sglang, tgi, llamacpp, transformers-cb)")
            }
        }
        if let cb = try doc.optional("cb_config") {
            // Only the knobs that shape scheduling are read; the rest are compile and offload settings.
            if let v = try cb.optional("block_size"), !isNull(v) { s.blockSize = try v.int(in: 1...65_536) }
            if let v = try cb.optional("num_blocks"), !isNull(v) { s.numBlocks = try v.int(in: 1...100_000_000) }
            if let v = try cb.optional("max_batch_tokens"), !isNull(v) { s.maxNumBatchedTokens = try v.int(in: 1...10_000_000) }
            if let v = try cb.optional("max_requests_per_batch"), !isNull(v) { s.maxNumSeqs = try v.int(in: 1...1_000_000) }
            if let v = try cb.optional("max_memory_percent"), !isNull(v) { s.gpuMemoryUtilization = try v.double(in: 0.01...1) }
            if let v = try cb.optional("allow_block_sharing"), !isNull(v) { s.enablePrefixCaching = try v.bool() }
            if s.kind == .transformersCB, try cb.optional("max_requests_per_batch").map(isNull) ?? true {
                // Its batch is bounded by the token budget alone.
                s.maxNumSeqs = 1_000_000
            }
        }
        if let v = try doc.optional("block_size"), !isNull(v) { s.blockSize = try v.int(in: 1...65_536) }
        if let v = try doc.optional("num_blocks"), !isNull(v) {
            let n = try v.int()
            guard n > 0 else { throw v.error("a KV cache needs at least one block (got \(n))") }
            guard n <= EngineSettings.maxBlocks else { throw v.error("\(n) blocks is more than any GPU holds (at most \(EngineSettings.maxBlocks))") }
            s.numBlocks = n
        }
        if let v = try doc.optional("gpu_memory_utilization") {
            let u = try v.double()
            guard u > 0, u <= 1 else { throw v.error("a fraction of GPU memory, above 0 and at most 1 (got \(u))") }
            s.gpuMemoryUtilization = u
        }
        if let v = try doc.optional("max_num_batched_tokens") ?? doc.optional("max_batch_tokens"), !isNull(v) {
            s.maxNumBatchedTokens = try v.int(in: 1...10_000_000)
        }
        if let v = try doc.optional("max_num_seqs") { s.maxNumSeqs = try v.int(in: 1...1_000_000) }
        if let v = try doc.optional("enable_prefix_caching") { s.enablePrefixCaching = try v.bool() }
        if let v = try doc.optional("enable_chunked_prefill") { s.enableChunkedPrefill = try v.bool() }
        if let v = try doc.optional("tensor_parallel_size") { s.tensorParallelSize = try v.int(in: 1...64) }
        if let v = try doc.optional("step_overhead_ms") {
            s.stepOverhead = try v.double(in: 0...600_000) / 1000
        } else {
            s.stepOverhead = s.kind.defaultStepOverhead
        }
        if let v = try doc.optional("step_overhead_per_sequence_ms") { s.stepOverheadPerSequence = try v.double(in: 0...10_000) / 1000 }
        if let v = try doc.optional("step_overhead_per_token_ms") { s.stepOverheadPerToken = try v.double(in: 0...10_000) / 1000 }
        if let rate = try doc.optional("capacity_probe_req_per_s"), !isNull(rate) {
            guard let w = try doc.optional("workload") else {
                throw rate.error("a capacity probe needs the workload it was measured with (\"workload\": \"prompt lognormal median 400 [16,3000], output lognormal median 150 [8,1024], sigma 0.8\")")
            }
            let workload: BurstWorkload
            do { workload = try BurstWorkload(parsing: w.string()) } catch let e as BurstWorkload.ParseError { throw w.error(e.message) }
            let count = try doc.optional("capacity_probe_requests")?.int(in: 1...100_000) ?? CapacityProbe.defaultRequests
            s.capacityProbe = CapacityProbe(requestsPerSecond: try rate.double(in: 1e-6...1e9), requests: count, workload: workload)
        }
        if s.maxNumSeqs > s.maxNumBatchedTokens, s.kind != .transformersCB {
            throw try (doc.optional("max_num_seqs") ?? doc).error(
                "max_num_seqs (\(s.maxNumSeqs)) exceeds max_num_batched_tokens (\(s.maxNumBatchedTokens)): some running sequence could not decode")
        }
        return s
    }

    static func isNull(_ v: YAMLValue) -> Bool {
        if case .scalar(let s) = v.node { return s.string == "null" || s.string == "~" || s.string.isEmpty }
        return false
    }
}

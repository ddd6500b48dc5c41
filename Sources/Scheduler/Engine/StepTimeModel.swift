/// How long one engine step takes. With a measured table for the model on this hardware, the
/// table, interpolated. Otherwise a roofline: a step reads every weight once and the KV cache
/// of every running sequence (memory time) and does two FLOPs per parameter per token plus the
/// attention products (compute time); the slower of the two wins, never below the hardware's
/// step floor. Either way the engine's own per-step overhead (its scheduler, sampling, the
/// host loop) comes on top.
public struct StepTimeModel: Sendable {
    public struct Roofline: Sendable, Equatable {
        public var weightBytes: Double
        public var kvBytesPerToken: Double
        public var bandwidth: Double           // bytes/s over the node's GPUs
        public var flops: Double               // FLOP/s over the node's GPUs
        public var parameters: Double
        /// 4 x layers x heads x head_dim: attention FLOPs per (query token x context token).
        public var attentionFlopsPerPair: Double
        public var floor: Double

        public func stepTime(prefillTokens: Int, decodeSequences: Int, contextTokens: Int, prefillPairs: Double? = nil) -> Double {
            let tokens = Double(prefillTokens + decodeSequences)
            // Each decode attends to its context; a prefill chunk to what came before it and,
            // causally, to itself (about half of c^2), which the engine passes per chunk.
            let p = Double(prefillTokens)
            let pairs = Double(contextTokens) + (prefillPairs ?? 0.5 * p * p)
            let compute = (2 * parameters * tokens + attentionFlopsPerPair * pairs) / flops
            let memory = (weightBytes + (Double(contextTokens) + tokens) * kvBytesPerToken) / bandwidth
            return max(floor, compute, memory)
        }
    }

    public enum Source: Sendable {
        case roofline(Roofline)
        case measured(MeasuredStepTable)
        /// Fitted to a watched engine's telemetry (the twin): it has the overhead in it.
        case linear(LinearStepModel)
    }

    public var source: Source
    /// The engine's per-step cost on top of the GPU time, seconds.
    public var overhead: Double

    public init(source: Source, overhead: Double) {
        self.source = source; self.overhead = overhead
    }

    /// A roofline from a scenario pool's GPU catalogue entry.
    public init(model: ModelSpec, gpu: GPUSpec, gpus: Int, overhead: Double) {
        let roofline = Roofline(
            weightBytes: model.weightBytes, kvBytesPerToken: model.kvBytesPerToken,
            bandwidth: gpu.bandwidthGBs * 1e9 * Double(gpus),
            flops: gpu.teraflops * 1e12 * Double(gpus) * model.quantization.computeSpeedup,
            parameters: model.parametersBillions * 1e9,
            // The catalogue's shapes give KV heads only: query heads assumed 4 per KV head (GQA).
            attentionFlopsPerPair: Double(4 * model.layers * model.kvHeads * 4 * model.headDim),
            floor: 0)
        self.init(source: .roofline(roofline), overhead: overhead)
    }

    /// From a node profile: its measured table for the model when there is one, else the
    /// roofline of its hardware.
    public init(profile: NodeProfile, model: ProfiledModel, gpus: Int, overhead: Double, preferRoofline: Bool = false) {
        if let table = model.table, !preferRoofline, gpus == 1 {
            self.init(source: .measured(table), overhead: overhead)
            return
        }
        let hw = profile.hardware
        let roofline = Roofline(
            weightBytes: model.weightBytes, kvBytesPerToken: model.kvBytesPerToken,
            bandwidth: hw.bandwidth * Double(gpus),
            flops: hw.flops * Double(gpus) * model.quantization.computeSpeedup,
            parameters: model.parameters,
            attentionFlopsPerPair: Double(4 * model.layers * model.attentionHeads * model.headDim),
            floor: hw.stepFloor)
        self.init(source: .roofline(roofline), overhead: overhead)
    }

    /// `contextTokens`: the decoding sequences' KV tokens; `prefillPairs`: the prompt chunks'
    /// (query, key) pairs, when known.
    public func stepTime(prefillTokens: Int, decodeSequences: Int, contextTokens: Int, prefillPairs: Double? = nil) -> Double {
        switch source {
        case .roofline(let r):
            return overhead + r.stepTime(prefillTokens: prefillTokens, decodeSequences: decodeSequences,
                                         contextTokens: contextTokens, prefillPairs: prefillPairs)
        case .measured(let t):
            return overhead + t.stepTime(prefillTokens: prefillTokens, decodeSequences: decodeSequences, contextTokens: contextTokens)
        case .linear(let l):
            return overhead + l.stepTime(prefillTokens: prefillTokens, decodeSequences: decodeSequences)
        }
    }
}

/// How long one engine step takes. With a measured table for the model on this hardware, the
/// table, interpolated. Otherwise a roofline: a step reads every weight once and the KV cache
/// of every running sequence (memory time) and does two FLOPs per parameter per token plus the
/// attention products (compute time); the slower of the two wins, never below the hardware's
/// step floor. Either way the engine's host cost (its scheduler, sampling, the host loop:
/// fixed, per sequence and per token) comes on top.
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
        /// Tensor parallelism's all-reduces per step (2 per layer; 0 on one GPU), their cost,
        /// and the bytes each moves per token (hidden x 2).
        public var allReducesPerStep = 0
        public var allReduce: AllReduceCost?
        public var activationBytesPerToken = 0.0

        public func stepTime(prefillTokens: Int, decodeSequences: Int, contextTokens: Int, prefillPairs: Double? = nil) -> Double {
            let tokens = Double(prefillTokens + decodeSequences)
            // Each decode attends to its context; a prefill chunk to what came before it and,
            // causally, to itself (about half of c^2), which the engine passes per chunk.
            let p = Double(prefillTokens)
            let pairs = Double(contextTokens) + (prefillPairs ?? 0.5 * p * p)
            let compute = (2 * parameters * tokens + attentionFlopsPerPair * pairs) / flops
            let memory = (weightBytes + (Double(contextTokens) + tokens) * kvBytesPerToken) / bandwidth
            // The all-reduces wait for the layer's compute and the next layer waits for them.
            let communication = allReduce.map { Double(allReducesPerStep) * $0.time(bytes: tokens * activationBytesPerToken) } ?? 0
            return max(floor, compute, memory) + communication
        }
    }

    public enum Source: Sendable {
        case roofline(Roofline)
        case measured(MeasuredStepTable)
        /// Fitted to a watched engine's telemetry (the twin): it has the overhead in it.
        case linear(LinearStepModel)
    }

    public var source: Source
    /// The engine's host cost on top of the GPU time.
    public var host: HostCost

    public init(source: Source, host: HostCost) {
        self.source = source; self.host = host
    }

    public init(source: Source, overhead: Double) {
        self.init(source: source, host: HostCost(perStep: overhead))
    }

    /// A roofline from a scenario pool's GPU catalogue entry.
    public init(model: ModelSpec, gpu: GPUSpec, gpus: Int, overhead: Double) {
        self.init(model: model, gpu: gpu, gpus: gpus, host: HostCost(perStep: overhead))
    }

    public init(model: ModelSpec, gpu: GPUSpec, gpus: Int, host: HostCost) {
        let roofline = Roofline(
            weightBytes: model.weightBytes, kvBytesPerToken: model.kvBytesPerToken,
            bandwidth: gpu.bandwidthGBs * 1e9 * Double(gpus),
            flops: gpu.teraflops * 1e12 * Double(gpus) * model.quantization.computeSpeedup,
            parameters: model.parametersBillions * 1e9,
            // The catalogue's shapes give KV heads only: query heads assumed 4 per KV head (GQA).
            attentionFlopsPerPair: Double(4 * model.layers * model.kvHeads * 4 * model.headDim),
            floor: 0)
        self.init(source: .roofline(roofline), host: host)
    }

    /// From a node profile: its measured table for the model when there is one, else the
    /// roofline of its hardware.
    public init(profile: NodeProfile, model: ProfiledModel, gpus: Int, overhead: Double, preferRoofline: Bool = false) {
        self.init(profile: profile, model: model, gpus: gpus, host: HostCost(perStep: overhead), preferRoofline: preferRoofline)
    }

    public init(profile: NodeProfile, model: ProfiledModel, gpus: Int, host: HostCost, preferRoofline: Bool = false) {
        if let table = model.table, !preferRoofline, gpus == 1 {
            self.init(source: .measured(table), host: host)
            return
        }
        let hw = profile.hardware
        var roofline = Roofline(
            weightBytes: model.weightBytes, kvBytesPerToken: model.kvBytesPerToken,
            bandwidth: hw.bandwidth * Double(gpus),
            flops: hw.flops * Double(gpus) * model.quantization.computeSpeedup,
            parameters: model.parameters,
            attentionFlopsPerPair: Double(4 * model.layers * model.attentionHeads * model.headDim),
            floor: hw.stepFloor)
        if gpus > 1, let allReduce = hw.allReduce {
            roofline.allReducesPerStep = 2 * model.layers
            roofline.allReduce = allReduce
            roofline.activationBytesPerToken = Double(model.attentionHeads * model.headDim) * 2
        }
        self.init(source: .roofline(roofline), host: host)
    }

    /// `contextTokens`: the decoding sequences' KV tokens; `prefillPairs`: the prompt chunks'
    /// (query, key) pairs, when known; `prefillSequences`: how many prompts those chunks are of.
    public func stepTime(prefillTokens: Int, decodeSequences: Int, contextTokens: Int, prefillPairs: Double? = nil,
                         prefillSequences: Int = 0) -> Double {
        let overhead = host.time(sequences: decodeSequences + (prefillTokens > 0 ? max(1, prefillSequences) : 0),
                                 tokens: decodeSequences + prefillTokens)
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

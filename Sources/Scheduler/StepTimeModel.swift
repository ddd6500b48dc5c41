/// How long one engine step takes: a roofline. A step reads every weight once and the KV cache
/// of every running sequence (memory time), and does two FLOPs per parameter per token
/// (compute time); the slower of the two wins, plus a fixed per-step overhead. The H100
/// tables in shared/calibration follow this shape above their launch-overhead floor.
public struct StepTimeModel: Sendable, Equatable {
    public var overhead: Double            // seconds
    public var weightBytes: Double
    public var kvBytesPerToken: Double
    public var bandwidth: Double           // bytes/s over the node's GPUs
    public var flops: Double               // FLOP/s over the node's GPUs
    public var parameters: Double

    public init(model: ModelSpec, gpu: GPUSpec, gpus: Int, overhead: Double) {
        self.overhead = overhead
        weightBytes = model.weightBytes
        kvBytesPerToken = model.kvBytesPerToken
        bandwidth = gpu.bandwidthGBs * 1e9 * Double(gpus)
        flops = gpu.teraflops * 1e12 * Double(gpus) * model.quantization.computeSpeedup
        parameters = model.parametersBillions * 1e9
    }

    public func stepTime(prefillTokens: Int, decodeSequences: Int, contextTokens: Int) -> Double {
        let tokens = Double(prefillTokens + decodeSequences)
        let compute = 2 * parameters * tokens / flops
        let memory = (weightBytes + Double(contextTokens) * kvBytesPerToken) / bandwidth
        return overhead + max(compute, memory)
    }
}

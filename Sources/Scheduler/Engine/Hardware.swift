/// An accelerator (or CPU) as the step-time model sees it: achieved, not datasheet, ceilings.
public struct GPUSpec: Sendable, Equatable {
    public var name: String
    public var memoryGiB: Double
    /// Achieved memory bandwidth, GB/s.
    public var bandwidthGBs: Double
    /// Achieved dense bf16 (or int8 for NPUs) throughput, TFLOP/s.
    public var teraflops: Double
    public var pricePerHour: Double
    public var idleWatts: Double
    public var maxWatts: Double

    public static let catalog: [String: GPUSpec] = {
        let all = [
            // H100: the shared/calibration measurement (3.0 TB/s copy, 770 TFLOP/s matmul).
            GPUSpec(name: "H100-SXM", memoryGiB: 80, bandwidthGBs: 3000, teraflops: 700,
                    pricePerHour: 3.50, idleWatts: 70, maxWatts: 700),
            GPUSpec(name: "A100-80GB", memoryGiB: 80, bandwidthGBs: 1700, teraflops: 200,
                    pricePerHour: 1.90, idleWatts: 55, maxWatts: 400),
            GPUSpec(name: "L4", memoryGiB: 24, bandwidthGBs: 270, teraflops: 95,
                    pricePerHour: 0.70, idleWatts: 16, maxWatts: 72),
            GPUSpec(name: "A10G", memoryGiB: 24, bandwidthGBs: 540, teraflops: 110,
                    pricePerHour: 1.00, idleWatts: 25, maxWatts: 300),
            // A 32-core server CPU with AMX: bf16 matrix throughput of a small GPU, DDR5 bandwidth.
            GPUSpec(name: "CPU-32C", memoryGiB: 128, bandwidthGBs: 140, teraflops: 6,
                    pricePerHour: 0.90, idleWatts: 60, maxWatts: 280),
            // An edge board: 4 ARM cores, LPDDR4X, a 4 TOPS NPU.
            GPUSpec(name: "ARM-NPU-4T", memoryGiB: 8, bandwidthGBs: 15, teraflops: 2,
                    pricePerHour: 0.01, idleWatts: 2, maxWatts: 10),
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }()
}

public enum Quantization: String, Sendable, CaseIterable {
    case bf16, fp16, fp8, int8, int4, q4, q2

    /// W8A8 fp8 runs the matrix products on fp8 tensor cores; the integer formats here are
    /// weight-only and compute in 16-bit.
    public var computeSpeedup: Double { self == .fp8 ? 1.6 : 1 }

    public var bytesPerWeight: Double {
        switch self {
        case .bf16, .fp16: return 2
        case .fp8, .int8: return 1
        case .int4, .q4: return 0.5625   // 4 bits plus per-block scales
        case .q2: return 0.3125
        }
    }
}

/// A model's shape as far as memory and time go.
public struct ModelSpec: Sendable, Equatable {
    public var name: String
    public var parametersBillions: Double
    public var quantization: Quantization
    public var layers: Int
    public var kvHeads: Int
    public var headDim: Int

    public init(name: String, parametersBillions: Double, quantization: Quantization,
                layers: Int, kvHeads: Int, headDim: Int) {
        self.name = name; self.parametersBillions = parametersBillions
        self.quantization = quantization; self.layers = layers
        self.kvHeads = kvHeads; self.headDim = headDim
    }

    public var weightBytes: Double { parametersBillions * 1e9 * quantization.bytesPerWeight }

    /// K and V, fp16, every layer.
    public var kvBytesPerToken: Double { Double(2 * layers * kvHeads * headDim * 2) }
}

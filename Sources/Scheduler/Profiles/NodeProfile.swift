/// What one node (one engine replica on its GPUs) can do, as a step-time model reads it: the
/// hardware's achieved ceilings for the roofline, and, where someone measured them, tables of
/// step times per model. The file format is Docs/scheduler-model.md's "Node profiles"; it is a
/// superset of the calibration files in shared/calibration, which load as they are.
public struct NodeProfile: Sendable, Equatable {
    public var name: String
    public var description: String
    public var hardware: ProfiledHardware
    /// In file order: the first is the default model.
    public var models: [ProfiledModel]

    public init(name: String, description: String, hardware: ProfiledHardware, models: [ProfiledModel]) {
        self.name = name; self.description = description; self.hardware = hardware; self.models = models
    }

    public func model(named name: String?) -> ProfiledModel? {
        guard let name else { return models.first }
        return models.first { $0.name == name }
    }

    /// The hardware as the scenario catalogue describes a GPU. Power is the profile's, else the
    /// catalogue entry's of the same name, else a 300 W board's; nil price and memory stay for
    /// the scenario loader to refuse.
    public var gpuSpec: GPUSpec {
        let known = GPUSpec.catalog[hardware.gpu]
        return GPUSpec(name: hardware.gpu, memoryGiB: hardware.memoryGiB ?? known?.memoryGiB ?? 0,
                       bandwidthGBs: hardware.bandwidth / 1e9, teraflops: hardware.flops / 1e12,
                       pricePerHour: hardware.pricePerHour ?? known?.pricePerHour ?? 0,
                       idleWatts: hardware.idleWatts ?? known?.idleWatts ?? 30,
                       maxWatts: hardware.maxWatts ?? known?.maxWatts ?? 300)
    }
}

/// Achieved, not datasheet, figures: what a copy kernel and a large matrix product reach.
public struct ProfiledHardware: Sendable, Equatable {
    public var gpu: String
    /// Per GPU; nil when the profile does not say (then the engine must give its KV blocks).
    public var memoryGiB: Double?
    /// Achieved memory bandwidth per GPU, bytes/s.
    public var bandwidth: Double
    /// Achieved dense 16-bit matrix throughput per GPU, FLOP/s.
    public var flops: Double
    /// The least time any step takes (kernel launches, the host loop), seconds.
    public var stepFloor: Double
    public var pricePerHour: Double?
    /// Board power idle and flat out, for the node screen; nil to take the catalogue's.
    public var idleWatts: Double?
    public var maxWatts: Double?
    /// Tensor parallelism's all-reduces inside the node; nil when the profile does not measure
    /// them (then a tensor-parallel step costs what its GPUs compute and read, no more).
    public var allReduce: AllReduceCost?

    public init(gpu: String, memoryGiB: Double?, bandwidth: Double, flops: Double, stepFloor: Double, pricePerHour: Double?,
                watts: (idle: Double, max: Double)? = nil) {
        self.gpu = gpu; self.memoryGiB = memoryGiB; self.bandwidth = bandwidth; self.flops = flops
        self.stepFloor = stepFloor; self.pricePerHour = pricePerHour
        idleWatts = watts?.idle; maxWatts = watts?.max
    }
}

/// A model's shape, and optionally its measured step times on the profile's hardware.
public struct ProfiledModel: Sendable, Equatable {
    public var name: String
    public var parameters: Double
    public var layers: Int
    public var attentionHeads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var quantization: Quantization
    public var kvBytesPerToken: Double
    public var table: MeasuredStepTable?

    public init(name: String, parameters: Double, layers: Int, attentionHeads: Int, kvHeads: Int,
                headDim: Int, quantization: Quantization, kvBytesPerToken: Double, table: MeasuredStepTable?) {
        self.name = name; self.parameters = parameters; self.layers = layers
        self.attentionHeads = attentionHeads; self.kvHeads = kvHeads; self.headDim = headDim
        self.quantization = quantization; self.kvBytesPerToken = kvBytesPerToken; self.table = table
    }

    public var weightBytes: Double { parameters * quantization.bytesPerWeight }

    /// A model known only by a scenario's shape: attention heads taken as 4 per KV head.
    public init(_ m: ModelSpec) {
        self.init(name: m.name, parameters: m.parametersBillions * 1e9, layers: m.layers,
                  attentionHeads: m.kvHeads * 4, kvHeads: m.kvHeads,
                  headDim: m.headDim, quantization: m.quantization, kvBytesPerToken: m.kvBytesPerToken, table: nil)
    }

    public var modelSpec: ModelSpec {
        ModelSpec(name: name, parametersBillions: parameters / 1e9, quantization: quantization,
                  layers: layers, kvHeads: kvHeads, headDim: headDim)
    }
}

/// One all-reduce between a node's GPUs: a fixed time (launch and synchronisation) plus the
/// bytes over the link's bandwidth. A tensor-parallel layer does two (after attention and after
/// the MLP) of the step's activations, tokens x hidden x 2 bytes. Vidur's NCCL measurements on
/// DGX A100 and H100 put the fixed part at 40-55 µs: 8-9 ms of a 70B decode step at TP2, which a
/// roofline of compute and memory alone misses (Docs/scheduler-model.md).
public struct AllReduceCost: Sendable, Equatable {
    public var latency: Double
    public var bandwidth: Double

    public init(latency: Double, bandwidth: Double) { self.latency = latency; self.bandwidth = bandwidth }

    public func time(bytes: Double) -> Double { latency + bytes / bandwidth }
}

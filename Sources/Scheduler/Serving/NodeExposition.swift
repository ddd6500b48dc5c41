import FleetCore

/// Cumulative bucket counts with fixed upper bounds, as a Prometheus client library keeps a
/// histogram (the `+Inf` bucket is implicit: it is `count`).
public struct BucketCounts: Sendable, Equatable {
    public let bounds: [Double]
    /// Observations with value <= bounds[i] (not cumulative here; the writer accumulates).
    public private(set) var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ value: Double) {
        count += 1
        sum += value
        // Bounds are short (about 20) and sorted; the first bound at or above the value.
        if let i = bounds.firstIndex(where: { value <= $0 }) { counts[i] += 1 }
    }

    /// vLLM V1's bucket bounds (vllm/v1/metrics/loggers.py).
    public static let vllmTimeToFirstToken: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
                                                          1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    public static let vllmRequestLatency: [Double] = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
                                                        50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]
}

/// What a simulated node would expose on a vLLM server's /metrics: counters since the node
/// started and gauges as of the last sample. `fleetdeck simulate --serve` renders it.
public struct NodeExposition: Sendable, Equatable {
    public var node: String
    public var pool: String
    public var model: String
    public var version: String
    public var state: NodeState
    public var running = 0
    public var waiting = 0
    public var kvCacheUsage = 0.0
    public var promptTokens: UInt64 = 0
    public var generationTokens: UInt64 = 0
    public var preemptions: UInt64 = 0
    public var prefixQueries: UInt64 = 0
    public var prefixHits: UInt64 = 0
    public var requestsFinished: UInt64 = 0
    public var timeToFirstToken = BucketCounts(bounds: BucketCounts.vllmTimeToFirstToken)
    public var endToEnd = BucketCounts(bounds: BucketCounts.vllmRequestLatency)
    public var gpuBlocks = 0
    public var blockSize = 16
    /// Simulated seconds at which the node's counters began.
    public var startTime = 0.0

    public init(node: String, pool: String, model: String, version: String, state: NodeState) {
        self.node = node; self.pool = pool; self.model = model; self.version = version; self.state = state
    }
}

/// One sequence's state: its KV cache (Float16, [layer][position][kv]) and the scratch buffers
/// of the forward pass, allocated once so a decode step allocates nothing.
public final class LlamaContext: @unchecked Sendable {
    public let capacity: Int
    /// Tokens fed per forward pass at most; longer prompts go in several passes.
    public let maxBatch: Int
    public private(set) var count = 0
    public let runner: ParallelRunner
    let config: LlamaConfig

    let keys: UnsafeMutablePointer<Float16>
    let values: UnsafeMutablePointer<Float16>
    // Activations, maxBatch rows each.
    let x, h, q, k, v, attention: UnsafeMutablePointer<Float>
    let gate, up: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>
    /// Per thread: a tile of dequantised rows and a row of attention scores.
    let tileScratch: UnsafeMutablePointer<Float>
    let scoreScratch: UnsafeMutablePointer<Float>
    let tileStride: Int
    private var allocations: [UnsafeMutableRawPointer] = []

    public init(model: LlamaModel, capacity: Int, maxBatch: Int = 64, runner: ParallelRunner? = nil) {
        let c = model.config
        self.config = c
        self.capacity = max(1, min(capacity, c.contextLength))
        self.maxBatch = max(1, maxBatch)
        self.runner = runner ?? ParallelRunner()
        let cacheCount = c.blockCount * self.capacity * c.kvDimension
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        keys = .allocate(capacity: cacheCount)
        values = .allocate(capacity: cacheCount)
        let b = self.maxBatch
        x = floats(b * c.embeddingLength)
        h = floats(b * c.embeddingLength)
        q = floats(b * c.embeddingLength)
        k = floats(b * c.kvDimension)
        v = floats(b * c.kvDimension)
        attention = floats(b * c.embeddingLength)
        gate = floats(b * c.feedForwardLength)
        up = floats(b * c.feedForwardLength)
        sums = floats(max(c.embeddingLength, c.feedForwardLength) / 32)
        logits = floats(c.vocabularySize)
        tileStride = MatrixMultiply.tileRows * max(c.embeddingLength, c.feedForwardLength)
        let threads = self.runner.threadCount
        tileScratch = floats(threads * tileStride)
        scoreScratch = floats(threads * self.capacity)
        allocations = [UnsafeMutableRawPointer(keys), UnsafeMutableRawPointer(values)]
            + [x, h, q, k, v, attention, gate, up, sums, logits, tileScratch, scoreScratch].map { UnsafeMutableRawPointer($0) }
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    /// Bytes this context holds (KV cache and scratch), for the memory figures.
    public var byteCount: Int {
        let c = config
        return 2 * c.blockCount * capacity * c.kvDimension * 2
            + 4 * (maxBatch * (4 * c.embeddingLength + 2 * c.kvDimension + 2 * c.feedForwardLength) + c.vocabularySize
                   + runner.threadCount * (tileStride + capacity))
    }

    /// Forgets the sequence; the next evaluation starts at position 0.
    public func reset() { count = 0 }

    /// Drops the positions from `newCount` on (to rewind a sequence and reuse a shared prefix).

    func advance(by n: Int) { count += n }

    /// The cache row of `layer` at `position`.
    @inline(__always) func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float16> {
        keys + (layer * capacity + position) * config.kvDimension
    }

    @inline(__always) func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float16> {
        values + (layer * capacity + position) * config.kvDimension
    }
}

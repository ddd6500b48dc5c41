/// One request inside the simulator. A class because the engine moves it between queues and
/// keeps references to it in its decode heap.
final class SimulatedRequest {
    enum Phase { case waiting, prefilling, decoding, done }

    let id: Int
    let classIndex: Int
    let poolIndex: Int
    let arrival: Double
    let promptTokens: Int
    let outputTokens: Int
    /// The content key of the prompt's shared beginning (a system prompt, a conversation so
    /// far) for prefix caching; 0 for none.
    let prefixKey: Int
    /// How many of the prompt's first tokens that shared beginning covers.
    let prefixTokens: Int
    /// Or, from a trace that hashes its prompts by block (Mooncake's `hash_ids`), those
    /// hashes: prefix caching then works block by block (`KVCacheBlockManager`), and
    /// `prefixTokens` is what whole hashed blocks cover.
    let blockHashes: [Int]
    /// Tokens per hashed block.
    let hashBlockTokens: Int
    /// Of those, how many leading blocks this admission uses from the cache.
    var hashedBlocksUsed = 0

    var phase = Phase.waiting
    /// The response-cache key its answer is stored under when it completes; 0 for none.
    var cacheKey = 0
    /// Later turns of its conversation still to come: the node keeps its whole context in the
    /// prefix cache (under `prefixKey`, the session's) when it finishes.
    var turnsLeft = 0
    /// Tokens generated so far; kept across a preemption, which recomputes them as prompt.
    var generated = 0
    /// Tokens the current admission must compute: the prompt plus anything generated before a
    /// preemption.
    var targetTokens = 0
    /// Of those, computed so far (cache hits count as computed).
    var computedTokens = 0
    /// Blocks of the prefix chain this admission uses rather than owns.
    var sharedBlocks = 0
    var firstTokenTime: Double?
    var decodeEnterStep = 0
    var generatedAtEnter = 0
    /// The step-phase (step index mod block size) at which this sequence opens a new block.
    var blockPhase = 0
    /// When it was last admitted, by the node's count: preemption takes the highest.
    var admissionSeq = 0
    /// Bumped on preemption so stale decode-heap entries are skipped.
    var epoch = 0
    var preemptions = 0

    init(id: Int, classIndex: Int, poolIndex: Int, arrival: Double, promptTokens: Int,
         outputTokens: Int, prefixKey: Int = 0, prefixTokens: Int = 0, blockHashes: [Int] = [], hashBlockTokens: Int = 0) {
        self.id = id; self.classIndex = classIndex; self.poolIndex = poolIndex
        self.arrival = arrival; self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.prefixKey = prefixKey
        self.prefixTokens = min(prefixTokens, promptTokens)
        self.blockHashes = blockHashes
        self.hashBlockTokens = hashBlockTokens
    }

    /// The same request at the same point of its life, for a what-if fork.
    func copy() -> SimulatedRequest {
        let r = SimulatedRequest(id: id, classIndex: classIndex, poolIndex: poolIndex, arrival: arrival,
                                 promptTokens: promptTokens, outputTokens: outputTokens, prefixKey: prefixKey,
                                 prefixTokens: prefixTokens, blockHashes: blockHashes, hashBlockTokens: hashBlockTokens)
        r.hashedBlocksUsed = hashedBlocksUsed
        r.phase = phase; r.cacheKey = cacheKey; r.turnsLeft = turnsLeft; r.generated = generated
        r.targetTokens = targetTokens; r.computedTokens = computedTokens; r.sharedBlocks = sharedBlocks
        r.firstTokenTime = firstTokenTime; r.decodeEnterStep = decodeEnterStep; r.generatedAtEnter = generatedAtEnter
        r.blockPhase = blockPhase; r.admissionSeq = admissionSeq; r.epoch = epoch; r.preemptions = preemptions
        return r
    }

    var totalTokens: Int { promptTokens + outputTokens }
    var promptRemaining: Int { targetTokens - computedTokens }

    /// Generated tokens at engine step `step`, while decoding.
    func generated(atStep step: Int) -> Int { generatedAtEnter + (step - decodeEnterStep) }

    /// KV positions filled before step `step`, while decoding.
    func heldTokens(atStep step: Int) -> Int { targetTokens + (step - decodeEnterStep) }

    /// Back to the waiting state, as after a preemption or a node loss.
    func resetForRequeue() {
        phase = .waiting
        epoch += 1
        targetTokens = 0
        computedTokens = 0
        sharedBlocks = 0
        hashedBlocksUsed = 0
    }
}

/// Copies of requests made while forking a simulator: a request held in several places (a
/// queue, the decode heap, a step in progress, an event) gets one copy everywhere.
final class RequestCopies {
    private var copies: [ObjectIdentifier: SimulatedRequest] = [:]

    func callAsFunction(_ r: SimulatedRequest) -> SimulatedRequest {
        if let c = copies[ObjectIdentifier(r)] { return c }
        let c = r.copy()
        copies[ObjectIdentifier(r)] = c
        return c
    }
}

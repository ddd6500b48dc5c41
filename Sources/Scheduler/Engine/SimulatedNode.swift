import DequeModule
import FleetCore
import HeapModule

/// One inference engine replica (a node, possibly tensor-parallel over several GPUs), scheduled
/// as vLLM V1 schedules: each step has a token budget (`max_num_batched_tokens`) and a sequence
/// cap (`max_num_seqs`); running sequences go first (decodes, then prompts being prefilled, in
/// admission order), then waiting ones are admitted in FCFS order while the budget, the cap and
/// the KV cache allow; long prompts are split across steps (chunked prefill); the KV cache is
/// paged (`KVCacheBlockManager`) with prefix caching; when a step cannot get the blocks it
/// needs, the newest running request is preempted and later recomputed.
///
/// Event-driven: decoding costs O(1) per step whatever the batch size (a sequence's finishing
/// step is known when it starts decoding, so a heap yields the ones that finish; the blocks
/// the batch opens at each step come from a count per step phase), and a run of pure decode
/// steps in which nothing can change is taken as one event (`StepPlan.steps`) that an
/// arrival cuts short at the step in progress.
final class SimulatedNode {
    struct DecodeEntry: Comparable {
        let finishStep: Int
        let requestID: Int
        let epoch: Int
        unowned let request: SimulatedRequest

        static func < (a: DecodeEntry, b: DecodeEntry) -> Bool {
            (a.finishStep, a.requestID) < (b.finishStep, b.requestID)
        }
        static func == (a: DecodeEntry, b: DecodeEntry) -> Bool {
            a.finishStep == b.finishStep && a.requestID == b.requestID && a.epoch == b.epoch
        }
    }

    struct StepPlan {
        var chunks: [(request: SimulatedRequest, tokens: Int)]
        var decodeSequences: Int
        /// Engine steps this event stands for: more than one only for a run of pure decode steps.
        var steps: Int
        /// Duration of each step, seconds.
        var stepDuration: Double
        var start: Double
        var duration: Double { stepDuration * Double(steps) }
    }

    /// What happened on the node since the last sample.
    struct Counters {
        var busyTime = 0.0
        var generatedTokens = 0
        var promptTokensComputed = 0
        var prefixQueryTokens = 0
        var prefixHitTokens = 0
        var preemptions = 0
        var runningTimeIntegral = 0.0
    }

    /// Longest run of decode steps taken as one event: the step time is read at the run's
    /// middle context, so runs are kept short enough for contexts to change little. 1 steps
    /// the engine one step per event (the tests compare the two).
    var maxStepsPerEvent = 32

    let id: String
    let poolIndex: Int
    let poolID: String
    let engineName: String
    let version: String
    let engine: EngineSettings
    let gpu: GPUSpec
    let gpusPerNode: Int
    let model: ModelSpec
    let stepModel: StepTimeModel
    let kvCapacityTokens: Int
    /// A stable hash of the id, for rendezvous hashing in the router.
    let idHash: UInt64

    var state = NodeState.up
    var stateReason: String?
    /// Scaled in: leaves its pool once drained.
    var retiring = false
    /// Bumped when the node's scheduled step no longer stands (it lost its work, or an
    /// arrival cut a run of steps short), so the stale event is ignored.
    var stepEpoch = 0

    private(set) var waiting = Deque<SimulatedRequest>()
    private(set) var prefilling: [SimulatedRequest] = []
    private var decodeHeap = Heap<DecodeEntry>()
    private var decodingOrder: [SimulatedRequest] = []
    private(set) var decodingCount = 0
    /// Decoding sequences by the step phase at which they open a new block.
    private var phaseCounts: [Int]
    private(set) var kv: KVCacheBlockManager
    /// KV positions filled, over every running sequence.
    private(set) var kvUsedTokens = 0
    /// Of those, the ones of prompts still being prefilled: the rest is the decode context the
    /// step time reads.
    private var prefillingTokens = 0
    private var admissions = 0
    /// The step whose decode blocks planning has taken (a decoder preempted after that gives
    /// its block for the step back).
    private var decodeBlocksTakenAt = -1
    private(set) var stepIndex = 0
    private(set) var currentStep: StepPlan?
    var counters = Counters()
    /// Cumulative, for `simulate --serve`: what this node's vLLM /metrics would say.
    var exposition: NodeExposition
    var history: NodeHistory
    var lastSample = NodeSample()
    var prefixWindow = RatioWindow(capacity: 60)

    init(id: String, poolIndex: Int, poolID: String, engineName: String, version: String, model: ModelSpec,
         gpu: GPUSpec, engine: EngineSettings, stepModel: StepTimeModel, kvBlocks: Int) {
        self.id = id
        self.poolIndex = poolIndex
        idHash = id.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        self.poolID = poolID
        self.engineName = engineName
        self.version = version
        self.engine = engine
        self.gpu = gpu
        gpusPerNode = engine.tensorParallelSize
        self.model = model
        self.stepModel = stepModel
        kv = KVCacheBlockManager(totalBlocks: kvBlocks, blockSize: engine.blockSize, prefixCaching: engine.enablePrefixCaching)
        kvCapacityTokens = kvBlocks * engine.blockSize
        phaseCounts = Array(repeating: 0, count: engine.blockSize)
        history = NodeHistory()
        exposition = NodeExposition(node: id, pool: poolID, model: model.name, version: version, state: .up)
        exposition.gpuBlocks = kvBlocks
        exposition.blockSize = engine.blockSize
    }

    /// The same replica in the same state, its requests copied through `requests` (so a
    /// request in two places stays one), for a what-if fork.
    init(copying o: SimulatedNode, requests: RequestCopies) {
        maxStepsPerEvent = o.maxStepsPerEvent
        id = o.id; poolIndex = o.poolIndex; poolID = o.poolID; engineName = o.engineName; version = o.version
        engine = o.engine; gpu = o.gpu; gpusPerNode = o.gpusPerNode; model = o.model; stepModel = o.stepModel
        kvCapacityTokens = o.kvCapacityTokens; idHash = o.idHash
        state = o.state; stateReason = o.stateReason; retiring = o.retiring; stepEpoch = o.stepEpoch
        waiting = Deque(o.waiting.map { requests($0) })
        prefilling = o.prefilling.map { requests($0) }
        decodeHeap = Heap(o.decodeHeap.unordered.map {
            DecodeEntry(finishStep: $0.finishStep, requestID: $0.requestID, epoch: $0.epoch, request: requests($0.request))
        })
        decodingOrder = o.decodingOrder.map { requests($0) }
        decodingCount = o.decodingCount; phaseCounts = o.phaseCounts; kv = o.kv
        kvUsedTokens = o.kvUsedTokens; prefillingTokens = o.prefillingTokens; admissions = o.admissions
        decodeBlocksTakenAt = o.decodeBlocksTakenAt; stepIndex = o.stepIndex
        currentStep = o.currentStep.map { plan in
            var p = plan
            p.chunks = plan.chunks.map { (requests($0.request), $0.tokens) }
            return p
        }
        counters = o.counters; exposition = o.exposition; history = o.history
        lastSample = o.lastSample; prefixWindow = o.prefixWindow
    }

    /// A node of a scenario's GPU pool: vLLM's defaults with the pool's knobs, a roofline of its GPU.
    convenience init(id: String, poolIndex: Int, pool: PoolSpec, spec: GPUPoolSpec) {
        var engine = spec.engine ?? EngineSettings(kind: EngineSettings.Kind(rawValue: pool.engine) ?? .vllm,
                                                   gpuMemoryUtilization: spec.gpuMemoryUtilization,
                                                   maxNumBatchedTokens: spec.maxBatchedTokens, maxNumSeqs: spec.maxNumSeqs,
                                                   enablePrefixCaching: true, stepOverhead: spec.stepOverhead)
        engine.tensorParallelSize = spec.gpusPerNode
        let blocks = spec.kvBlocks ?? engine.kvBlocks(memoryGiBPerGPU: spec.gpu.memoryGiB, weightBytes: pool.model.weightBytes,
                                                      kvBytesPerToken: pool.model.kvBytesPerToken) ?? 1
        let stepModel = spec.fittedStep.map { StepTimeModel(source: .linear($0), overhead: 0) } ?? spec.profile.map {
            StepTimeModel(profile: $0.profile, model: $0.model, gpus: spec.gpusPerNode, host: engine.hostCost)
        } ?? StepTimeModel(model: pool.model, gpu: spec.gpu, gpus: spec.gpusPerNode, host: engine.hostCost)
        self.init(id: id, poolIndex: poolIndex, poolID: pool.id, engineName: pool.engine, version: pool.version,
                  model: pool.model, gpu: spec.gpu, engine: engine, stepModel: stepModel, kvBlocks: blocks)
    }

    /// Requests still on the node that arrived before `time` (queued, prefilling or decoding).
    func requests(arrivedBefore time: Double) -> Int {
        waiting.reduce(0) { $0 + ($1.arrival < time ? 1 : 0) } + prefilling.reduce(0) { $0 + ($1.arrival < time ? 1 : 0) }
            + decodingOrder.reduce(0) { $0 + ($1.phase == .decoding && $1.arrival < time ? 1 : 0) }
    }

    var running: Int { prefilling.count + decodingCount }
    var load: Int { running + waiting.count }
    var isBusy: Bool { currentStep != nil }
    var kvUsage: Double { kv.totalBlocks > 0 ? min(1, Double(kv.usedBlocks) / Double(kv.totalBlocks)) : 0 }

    func enqueue(_ r: SimulatedRequest) {
        r.phase = .waiting
        waiting.append(r)
    }

    /// A request arrived during a run of decode steps: the run ends with the step in progress,
    /// so the next step can admit it. Returns the run's new end, or nil if nothing changed.
    func cutRun(at now: Double) -> Double? {
        guard var plan = currentStep, plan.steps > 1 else { return nil }
        let inProgress = Int(((now - plan.start) / plan.stepDuration).rounded(.down)) + 1
        guard inProgress < plan.steps else { return nil }
        // Blocks taken for the steps that will not run go back.
        var unused = 0
        for s in (stepIndex + inProgress)..<(stepIndex + plan.steps) { unused += phaseCounts[s % engine.blockSize] }
        kv.free(unused)
        plan.steps = max(1, inProgress)
        currentStep = plan
        stepEpoch += 1
        return plan.start + plan.duration
    }

    /// Picks the work of the next step(s) and their duration; nil when there is nothing to do.
    func planStep(at now: Double) -> StepPlan? {
        guard state != .down else { return nil }
        decodeBlocksTakenAt = -1
        var preempted = false
        // Decodes first: each takes one token of the budget and, at its block boundary, a block.
        var need = phaseCounts[stepIndex % engine.blockSize]
        while need > kv.allocatable, decodingCount > 0 {
            preemptNewest()
            preempted = true
            need = phaseCounts[stepIndex % engine.blockSize]
        }
        guard kv.allocate(need) else { preconditionFailure("KV blocks for the decode batch") }
        decodeBlocksTakenAt = stepIndex
        var budget = engine.maxNumBatchedTokens - decodingCount

        // A run of pure decode steps: nothing can change until a sequence finishes or the cache
        // fills, unless a request arrives (which cuts the run, `cutRun`).
        if prefilling.isEmpty, decodingCount > 0, waiting.isEmpty || running >= engine.maxNumSeqs,
           let next = decodeHeap.min {
            var steps = 1
            let limit = min(maxStepsPerEvent, max(1, next.finishStep - stepIndex))
            var taken = 0
            while steps < limit {
                let more = phaseCounts[(stepIndex + steps) % engine.blockSize]
                guard taken + more <= kv.allocatable else { break }
                taken += more
                steps += 1
            }
            _ = kv.allocate(taken)
            let midContext = kvUsedTokens - prefillingTokens + decodingCount * (steps - 1) / 2
            let d = stepModel.stepTime(prefillTokens: 0, decodeSequences: decodingCount, contextTokens: midContext)
            let plan = StepPlan(chunks: [], decodeSequences: decodingCount, steps: steps, stepDuration: d, start: now)
            currentStep = plan
            return plan
        }

        // Prompts being prefilled, oldest first: the next chunk of each.
        var chunks: [(request: SimulatedRequest, tokens: Int)] = []
        var prefillTokens = 0
        var prefillPairs = 0.0
        func add(_ r: SimulatedRequest, _ c: Int) {
            chunks.append((r, c))
            budget -= c
            prefillTokens += c
            prefillPairs += Double(c) * (Double(r.computedTokens) + 0.5 * Double(c))
        }
        var i = 0
        while i < prefilling.count, budget > 0 {
            let r = prefilling[i]
            let c = min(r.promptRemaining, budget)
            let blocks = kv.blocks(forTokens: r.computedTokens + c) - kv.blocks(forTokens: r.computedTokens)
            if !kv.allocate(blocks) {
                // Preempt from the newest until this one fits, or it is the newest itself.
                preempted = true
                var fits = false
                while let victim = newestRunning(), victim !== r {
                    preempt(victim)
                    if kv.allocate(blocks) { fits = true; break }
                }
                if !fits {
                    preempt(r)
                    break
                }
            }
            add(r, c)
            i += 1
        }

        // Waiting requests, FCFS, unless this step had to preempt (and something still runs:
        // an engine that preempted everything admits again, or it would stall).
        while !preempted || running == 0, budget > 0, running < engine.maxNumSeqs, let r = waiting.first {
            guard let c = admit(r, budget: budget) else { break }
            waiting.removeFirst()
            add(r, c)
        }
        guard decodingCount > 0 || !chunks.isEmpty else {
            kv.free(need)
            return nil
        }
        let d = stepModel.stepTime(prefillTokens: prefillTokens, decodeSequences: decodingCount,
                                   contextTokens: kvUsedTokens - prefillingTokens, prefillPairs: prefillPairs,
                                   prefillSequences: chunks.count)
        let plan = StepPlan(chunks: chunks, decodeSequences: decodingCount, steps: 1, stepDuration: d, start: now)
        currentStep = plan
        return plan
    }

    /// Starts `r`'s prefill with what fits in `budget`: cached prefix blocks are reused, the
    /// first chunk's blocks allocated. Nil when the cache cannot take it now.
    private func admit(_ r: SimulatedRequest, budget: Int) -> Int? {
        let target = r.promptTokens + r.generated
        // At least one token is computed, so the step yields logits to sample from.
        let maxHitBlocks = min(r.prefixTokens, target - 1) / engine.blockSize
        let group = hashGroup(r)
        // Hashed prompts hit whole hashed blocks, each `group` engine blocks.
        let hashedHits = group > 0 ? kv.cachedLeading(r.blockHashes, limit: max(0, maxHitBlocks) / group) : 0
        let hitBlocks = group > 0 ? hashedHits * group : min(kv.cachedBlocks(of: r.prefixKey), max(0, maxHitBlocks))
        let hit = hitBlocks * engine.blockSize
        let c = min(target - hit, budget)
        // Without chunked prefill a prompt waits for a step with room for all of it; a recompute
        // longer than any step's budget is split all the same, or it could never run.
        if !engine.enableChunkedPrefill && c < target - hit && target - hit <= engine.maxNumBatchedTokens { return nil }
        let blocks = kv.blocks(forTokens: hit + c) - hitBlocks
        // Counted as if the request already used its hit, which then cannot be evicted for it.
        if group > 0 {
            guard blocks <= kv.allocatable(whileUsing: r.blockHashes, count: hashedHits, group: group) else { return nil }
            kv.reference(r.blockHashes, count: hashedHits, group: group)
            r.hashedBlocksUsed = hashedHits
        } else {
            guard blocks <= kv.allocatable(whileUsing: r.prefixKey, blocks: hitBlocks) else { return nil }
            kv.reference(r.prefixKey, using: hitBlocks)
        }
        guard kv.allocate(blocks) else { preconditionFailure("KV blocks counted as allocatable") }
        admissions += 1
        r.admissionSeq = admissions
        counters.prefixQueryTokens += target
        counters.prefixHitTokens += hit
        r.phase = .prefilling
        r.targetTokens = target
        r.computedTokens = hit
        r.sharedBlocks = hitBlocks
        kvUsedTokens += hit
        prefillingTokens += hit
        prefilling.append(r)
        return c
    }

    /// Applies the finished step(s); returns the requests that got their first token and those
    /// that completed.
    func completeStep(at now: Double) -> (firstTokens: [SimulatedRequest], completed: [SimulatedRequest]) {
        guard let plan = currentStep else { return ([], []) }
        currentStep = nil
        stepIndex += plan.steps
        counters.busyTime += plan.duration
        counters.runningTimeIntegral += Double(running) * plan.duration
        var firstTokens: [SimulatedRequest] = []
        var completed: [SimulatedRequest] = []

        // Every decoding sequence produced one token per step.
        kvUsedTokens += plan.decodeSequences * plan.steps
        counters.generatedTokens += plan.decodeSequences * plan.steps
        while let top = decodeHeap.min, top.finishStep <= stepIndex {
            decodeHeap.removeMin()
            let r = top.request
            guard top.epoch == r.epoch, r.phase == .decoding else { continue }
            finishDecoding(r)
            completed.append(r)
        }

        var prefillDone = false
        for (r, tokens) in plan.chunks where r.phase == .prefilling {
            r.computedTokens += tokens
            kvUsedTokens += tokens
            prefillingTokens += tokens
            counters.promptTokensComputed += tokens
            guard r.promptRemaining <= 0 else { continue }
            prefillDone = true
            prefillingTokens -= r.targetTokens
            // The prefix's full blocks are now computed: the cache keeps them for the next request.
            let prefixBlocks = min(r.prefixTokens, r.targetTokens) / engine.blockSize
            let group = hashGroup(r)
            if group > 0 {
                let used = kv.promote(r.blockHashes, used: r.hashedBlocksUsed, computedBlocks: prefixBlocks / group, group: group)
                r.sharedBlocks += (used - r.hashedBlocksUsed) * group
                r.hashedBlocksUsed = used
            } else {
                r.sharedBlocks += kv.promote(r.prefixKey, blocks: prefixBlocks,
                                             fromOwned: kv.blocks(forTokens: r.targetTokens) - r.sharedBlocks,
                                             using: r.sharedBlocks)
            }
            r.generated += 1
            counters.generatedTokens += 1
            if r.firstTokenTime == nil {
                r.firstTokenTime = now
                firstTokens.append(r)
            }
            if r.generated >= r.outputTokens {
                r.phase = .done
                release(r, heldTokens: r.targetTokens)
                completed.append(r)
            } else {
                r.phase = .decoding
                r.decodeEnterStep = stepIndex
                r.generatedAtEnter = r.generated
                let bs = engine.blockSize
                r.blockPhase = ((stepIndex - r.targetTokens) % bs + bs) % bs
                phaseCounts[r.blockPhase] += 1
                decodeHeap.insert(DecodeEntry(finishStep: stepIndex + r.outputTokens - r.generated,
                                              requestID: r.id, epoch: r.epoch, request: r))
                decodingOrder.append(r)
                decodingCount += 1
            }
        }
        if prefillDone { prefilling.removeAll { $0.phase != .prefilling } }
        if decodingOrder.count > 2 * decodingCount + 64 {
            decodingOrder.removeAll { $0.phase != .decoding }
        }
        return (firstTokens, completed)
    }

    private func release(_ r: SimulatedRequest, heldTokens: Int) {
        if r.turnsLeft > 0, r.phase == .done {
            // The conversation goes on: its full blocks stay cached for the next turn.
            r.sharedBlocks += kv.promote(r.prefixKey, blocks: heldTokens / engine.blockSize,
                                         fromOwned: kv.blocks(forTokens: heldTokens) - r.sharedBlocks,
                                         using: r.sharedBlocks)
        }
        kv.free(kv.blocks(forTokens: heldTokens) - r.sharedBlocks)
        if r.hashedBlocksUsed > 0 {
            kv.release(r.blockHashes, count: r.hashedBlocksUsed, group: kv.hashGroup)
            r.hashedBlocksUsed = 0
        } else {
            kv.release(r.prefixKey, using: r.sharedBlocks)
        }
        kvUsedTokens -= heldTokens
    }

    /// Engine blocks per hashed block of `r`'s trace, 0 for a request without hashes. The
    /// node's cache takes the first hashed request's figure (a trace has one block size).
    private func hashGroup(_ r: SimulatedRequest) -> Int {
        guard !r.blockHashes.isEmpty, engine.enablePrefixCaching, r.hashBlockTokens >= engine.blockSize else { return 0 }
        if kv.hashGroup == 0 { kv.hashGroup = r.hashBlockTokens / engine.blockSize }
        return kv.hashGroup
    }

    private func finishDecoding(_ r: SimulatedRequest) {
        r.phase = .done
        release(r, heldTokens: r.heldTokens(atStep: stepIndex))
        phaseCounts[r.blockPhase] -= 1
        r.generated = r.outputTokens
        decodingCount -= 1
    }

    /// The running request admitted last: vLLM's preemption victim.
    private func newestRunning() -> SimulatedRequest? {
        var newest = prefilling.last
        for r in decodingOrder where r.phase == .decoding && r.admissionSeq > (newest?.admissionSeq ?? -1) {
            newest = r
        }
        return newest
    }

    private func preemptNewest() {
        if let victim = newestRunning() { preempt(victim) }
    }

    /// Frees the victim's blocks; it waits at the head of the queue to be recomputed.
    private func preempt(_ victim: SimulatedRequest) {
        if victim.phase == .prefilling {
            prefilling.removeAll { $0 === victim }
            prefillingTokens -= victim.computedTokens
            release(victim, heldTokens: victim.computedTokens)
        } else {
            decodingOrder.removeAll { $0 === victim }
            release(victim, heldTokens: victim.heldTokens(atStep: stepIndex))
            // Planning may already have taken its block for this step.
            if decodeBlocksTakenAt == stepIndex && victim.blockPhase == stepIndex % engine.blockSize { kv.free(1) }
            phaseCounts[victim.blockPhase] -= 1
            victim.generated = victim.generated(atStep: stepIndex)
            decodingCount -= 1
        }
        requeue(victim)
    }

    private func requeue(_ r: SimulatedRequest) {
        r.resetForRequeue()
        r.preemptions += 1
        waiting.prepend(r)
        counters.preemptions += 1
    }

    /// Takes every request off the node (it crashed): they go back to the router.
    func evacuate() -> [SimulatedRequest] {
        var out: [SimulatedRequest] = []
        for r in decodingOrder where r.phase == .decoding {
            r.generated = r.generated(atStep: stepIndex)
            out.append(r)
        }
        out.append(contentsOf: prefilling)
        out.append(contentsOf: waiting)
        for r in out {
            // A node loss drops the KV cache: what was generated is recomputed elsewhere.
            r.resetForRequeue()
        }
        waiting.removeAll()
        prefilling.removeAll()
        decodingOrder.removeAll()
        decodeHeap = Heap()
        decodingCount = 0
        phaseCounts = Array(repeating: 0, count: engine.blockSize)
        kvUsedTokens = 0
        prefillingTokens = 0
        kv.reset()
        currentStep = nil
        stepEpoch += 1
        return out
    }
}

/// What the last sample measured, for snapshots.
struct NodeSample {
    var utilization = 0.0
    var tokensPerSecond = 0.0
    var promptTokensPerSecond = 0.0
    var preemptionsPerSecond = 0.0
}

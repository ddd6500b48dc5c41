import DequeModule
import FleetCore
import HeapModule

/// One inference engine replica (a node, possibly tensor-parallel over several GPUs), run step
/// by step like vLLM's continuous-batching scheduler: running sequences decode first, waiting
/// ones are admitted while the sequence cap and the KV cache allow, prompts are prefilled in
/// chunks within the step's token budget, and the newest sequence is preempted (and later
/// recomputed) when the KV cache overflows.
///
/// Decoding costs O(1) per step whatever the batch size: a sequence's finishing step is known
/// when it starts decoding, so a heap yields the ones that finish and a counter stands for the
/// rest.
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
        var duration: Double
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

    let id: String
    let poolIndex: Int
    let poolID: String
    let engineName: String
    let version: String
    let spec: GPUPoolSpec
    let model: ModelSpec
    let stepModel: StepTimeModel
    let kvCapacityTokens: Int
    let prefixSpec: PrefixCacheSpec?

    var state = NodeState.up
    var stateReason: String?
    /// Scaled in: leaves its pool once drained.
    var retiring = false
    /// Bumped when the node loses its work, so a step already scheduled is ignored.
    var stepEpoch = 0

    private(set) var waiting = Deque<SimulatedRequest>()
    private(set) var prefilling: [SimulatedRequest] = []
    private var decodeHeap = Heap<DecodeEntry>()
    private var decodingOrder: [SimulatedRequest] = []
    private(set) var decodingCount = 0
    private(set) var kvUsedTokens = 0
    private(set) var stepIndex = 0
    private(set) var currentStep: StepPlan?
    private var cachedPrefixes = Set<Int>()
    var counters = Counters()
    /// Cumulative, for `simulate --serve`: what this node's vLLM /metrics would say.
    var exposition: NodeExposition
    var history: NodeHistory
    var lastSample = NodeSample()
    var prefixWindow = RatioWindow(capacity: 60)

    static let blockSize = 16

    init(id: String, poolIndex: Int, pool: PoolSpec, spec: GPUPoolSpec, historyCapacity: Int) {
        let model = pool.model
        self.id = id
        self.poolIndex = poolIndex
        poolID = pool.id
        engineName = pool.engine
        version = pool.version
        self.spec = spec
        self.model = model
        stepModel = StepTimeModel(model: model, gpu: spec.gpu, gpus: spec.gpusPerNode, overhead: spec.stepOverhead)
        let memory = spec.gpu.memoryGiB * 1_073_741_824 * Double(spec.gpusPerNode) * spec.gpuMemoryUtilization
        let activations = 0.5 * 1_073_741_824 * Double(spec.gpusPerNode)
        let kvBytes = max(0, memory - model.weightBytes - activations)
        kvCapacityTokens = Int(kvBytes / model.kvBytesPerToken) / Self.blockSize * Self.blockSize
        prefixSpec = spec.prefixCache
        history = NodeHistory()
        exposition = NodeExposition(node: id, pool: pool.id, model: model.name, version: pool.version, state: .up)
        exposition.gpuBlocks = kvCapacityTokens / Self.blockSize
        exposition.blockSize = Self.blockSize
    }

    var running: Int { prefilling.count + decodingCount }
    var load: Int { running + waiting.count }
    var isBusy: Bool { currentStep != nil }
    var kvUsage: Double { kvCapacityTokens > 0 ? min(1, Double(kvUsedTokens) / Double(kvCapacityTokens)) : 0 }

    func enqueue(_ r: SimulatedRequest) {
        r.phase = .waiting
        waiting.append(r)
    }

    /// Picks the work of the next step and its duration; nil when there is nothing to do.
    func planStep() -> StepPlan? {
        guard state != .down else { return nil }
        admitWaiting()
        var budget = spec.maxBatchedTokens - decodingCount
        var chunks: [(request: SimulatedRequest, tokens: Int)] = []
        var prefillTokens = 0
        for r in prefilling where budget > 0 {
            let c = min(r.promptRemaining, budget)
            chunks.append((r, c))
            budget -= c
            prefillTokens += c
        }
        guard decodingCount > 0 || !chunks.isEmpty else { return nil }
        let duration = stepModel.stepTime(prefillTokens: prefillTokens, decodeSequences: decodingCount,
                                          contextTokens: kvUsedTokens)
        let plan = StepPlan(chunks: chunks, decodeSequences: decodingCount, duration: duration)
        currentStep = plan
        return plan
    }

    private func admitWaiting() {
        while let r = waiting.first, running < spec.maxNumSeqs {
            let need = r.promptTokens + r.generated
            // An empty engine takes the request even if it overfills, as vLLM would try it.
            guard kvUsedTokens + need <= kvCapacityTokens || running == 0 else { break }
            waiting.removeFirst()
            var hit = 0
            if r.sharesPrefix, let p = prefixSpec, p.sharedPrefixTokens > 0 {
                if cachedPrefixes.contains(r.classIndex) {
                    hit = min(p.sharedPrefixTokens, r.promptTokens - 1) / Self.blockSize * Self.blockSize
                    hit = max(0, hit)
                } else {
                    cachedPrefixes.insert(r.classIndex)
                }
            }
            counters.prefixQueryTokens += r.promptTokens
            counters.prefixHitTokens += hit
            r.phase = .prefilling
            r.admittedTokens = need
            r.promptRemaining = need - hit
            kvUsedTokens += need
            prefilling.append(r)
        }
    }

    /// Applies the finished step; returns the requests that got their first token and those
    /// that completed.
    func completeStep(at now: Double) -> (firstTokens: [SimulatedRequest], completed: [SimulatedRequest]) {
        guard let plan = currentStep else { return ([], []) }
        currentStep = nil
        stepIndex += 1
        counters.busyTime += plan.duration
        counters.runningTimeIntegral += Double(running) * plan.duration
        var firstTokens: [SimulatedRequest] = []
        var completed: [SimulatedRequest] = []

        // Every decoding sequence produced one token.
        kvUsedTokens += plan.decodeSequences
        counters.generatedTokens += plan.decodeSequences
        while let top = decodeHeap.min, top.finishStep <= stepIndex {
            decodeHeap.removeMin()
            let r = top.request
            guard top.epoch == r.epoch, r.phase == .decoding else { continue }
            finish(r)
            completed.append(r)
        }

        var prefillDone = false
        for (r, tokens) in plan.chunks where r.phase == .prefilling {
            r.promptRemaining -= tokens
            counters.promptTokensComputed += tokens
            guard r.promptRemaining <= 0 else { continue }
            prefillDone = true
            r.generated += 1
            kvUsedTokens += 1
            counters.generatedTokens += 1
            if r.firstTokenTime == nil {
                r.firstTokenTime = now
                firstTokens.append(r)
            }
            if r.generated >= r.outputTokens {
                r.phase = .done
                kvUsedTokens -= r.admittedTokens + 1
                completed.append(r)
            } else {
                r.phase = .decoding
                r.decodeEnterStep = stepIndex
                r.generatedAtEnter = r.generated
                decodeHeap.insert(DecodeEntry(finishStep: stepIndex + r.outputTokens - r.generated,
                                              requestID: r.id, epoch: r.epoch, request: r))
                decodingOrder.append(r)
                decodingCount += 1
            }
        }
        if prefillDone { prefilling.removeAll { $0.phase != .prefilling } }
        preemptWhileOverfull()
        if decodingOrder.count > 2 * decodingCount + 64 {
            decodingOrder.removeAll { $0.phase != .decoding }
        }
        return (firstTokens, completed)
    }

    /// KV tokens a decoding request holds at `step`: its admission, the first token, and one
    /// per decode step since.
    private func heldTokens(_ r: SimulatedRequest, atStep step: Int) -> Int {
        r.admittedTokens + (r.generated(atStep: step) - r.generatedAtEnter) + 1
    }

    private func finish(_ r: SimulatedRequest) {
        kvUsedTokens -= heldTokens(r, atStep: stepIndex)
        r.generated = r.outputTokens
        r.phase = .done
        decodingCount -= 1
    }

    /// Newest first, as vLLM does: requests still prefilling were admitted after every
    /// decoding one, then decoding ones in reverse admission order.
    private func preemptWhileOverfull() {
        while kvUsedTokens > kvCapacityTokens {
            if let victim = prefilling.popLast() {
                kvUsedTokens -= victim.admittedTokens
                victim.resetForRequeue()
                waiting.prepend(victim)
                counters.preemptions += 1
            } else if let victim = decodingOrder.popLast() {
                guard victim.phase == .decoding else { continue }
                kvUsedTokens -= heldTokens(victim, atStep: stepIndex)
                victim.generated = victim.generated(atStep: stepIndex)
                decodingCount -= 1
                victim.resetForRequeue()
                waiting.prepend(victim)
                counters.preemptions += 1
            } else {
                break
            }
        }
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
        kvUsedTokens = 0
        currentStep = nil
        cachedPrefixes.removeAll()
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

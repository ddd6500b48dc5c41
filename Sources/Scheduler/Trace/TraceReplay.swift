import Foundation

/// Replays one node's recorded arrivals through the engine model: the same requests, at the
/// same times, on an engine with the given settings and step times. What comes out is the
/// latency each request would have seen, to compare with what the trace measured.
public struct TraceReplay {
    public struct Outcome: Sendable, Equatable {
        public var request: TraceRequest
        public var firstToken: Double
        public var finish: Double
        public var preemptions: Int

        public var ttft: Double { firstToken - request.arrival }
        public var e2e: Double { finish - request.arrival }
        /// Mean time between output tokens after the first; nil for one-token outputs.
        public var tpot: Double? {
            request.outputTokens > 1 ? (finish - firstToken) / Double(request.outputTokens - 1) : nil
        }
    }

    public struct Result: Sendable {
        public var outcomes: [Outcome]
        public var kvBlocks: Int
        public var steps: Int
        public var peakWaiting: Int
        public var peakKVUsage: Double
        public var simulatedSeconds: Double
        /// Most blocks ever held (owned plus cached), and the capacity they must stay within.
        public var peakBlocksHeld: Int
        /// Blocks still owned, and KV tokens still counted, once every request finished: 0 and 0.
        public var leakedBlocks: Int
        public var leakedTokens: Int
    }

    public enum Failure: Error, CustomStringConvertible {
        case noModel(profile: String)
        case unknownModel(String, profile: String, known: [String])
        case cacheUnsized(profile: String)
        case modelTooLarge(String)
        case requestTooLong(TraceRequest, file: String, capacityTokens: Int)
        case promptOverBudget(TraceRequest, file: String, budget: Int)

        public var description: String {
            switch self {
            case .noModel(let p): return "\(p): the profile describes no model; add one under \"models\""
            case let .unknownModel(m, p, known):
                return "\(p): no model '\(m)' (models: \(known.joined(separator: ", ")))"
            case .cacheUnsized(let p):
                return "\(p): the profile gives no memory_gib and the engine no num_blocks, so the KV cache cannot be sized"
            case .modelTooLarge(let m): return m
            case let .promptOverBudget(r, file, budget):
                return "\(file):\(r.line): prompt_tokens \(r.promptTokens) exceed max_num_batched_tokens (\(budget)) and chunked prefill is off, so it could never be scheduled"
            case let .requestTooLong(r, file, capacity):
                return "\(file):\(r.line): prompt_tokens + output_tokens = \(r.promptTokens + r.outputTokens) tokens do not fit in the engine's KV cache (\(capacity) tokens)"
            }
        }
    }

    public let node: String
    let engine: EngineSettings
    let stepModel: StepTimeModel
    let model: ProfiledModel
    let kvBlocks: Int
    let gpu: GPUSpec

    /// Checks that the model fits on the profile's hardware with these settings.
    public init(profile: NodeProfile, profileFile: String, modelName: String?, engine: EngineSettings) throws {
        guard !profile.models.isEmpty else { throw Failure.noModel(profile: profileFile) }
        guard let model = profile.model(named: modelName) else {
            throw Failure.unknownModel(modelName ?? "", profile: profileFile, known: profile.models.map(\.name))
        }
        if let memory = profile.hardware.memoryGiB {
            let perGPU = model.weightBytes / Double(engine.tensorParallelSize) / 1_073_741_824
            if perGPU >= memory * engine.gpuMemoryUtilization {
                throw Failure.modelTooLarge(String(format:
                    "%@: %.1f GiB of %@ weights per GPU do not fit in %.0f GiB x %.2f; raise tensor_parallel_size or quantize",
                    profileFile, perGPU, model.name, memory, engine.gpuMemoryUtilization))
            }
        }
        guard let blocks = engine.kvBlocks(memoryGiBPerGPU: profile.hardware.memoryGiB, weightBytes: model.weightBytes,
                                           kvBytesPerToken: model.kvBytesPerToken) else {
            throw Failure.cacheUnsized(profile: profileFile)
        }
        self.engine = engine
        self.model = model
        kvBlocks = blocks
        node = profile.name
        stepModel = StepTimeModel(profile: profile, model: model, gpus: engine.tensorParallelSize, host: engine.hostCost)
        gpu = GPUSpec(name: profile.hardware.gpu, memoryGiB: profile.hardware.memoryGiB ?? 0,
                      bandwidthGBs: profile.hardware.bandwidth / 1e9, teraflops: profile.hardware.flops / 1e12,
                      pricePerHour: profile.hardware.pricePerHour ?? 0, idleWatts: 0, maxWatts: 0)
    }

    public var modelName: String { model.name }
    public var kvCapacityTokens: Int { kvBlocks * engine.blockSize }

    /// Runs every request to completion. Arrivals at the same instant as a step's end are
    /// queued before the next step is planned, as an engine's input queue is drained then.
    public func run(_ trace: [TraceRequest], file: String, maxStepsPerEvent: Int = 32) throws -> Result {
        for r in trace {
            if r.promptTokens + r.outputTokens > kvCapacityTokens {
                throw Failure.requestTooLong(r, file: file, capacityTokens: kvCapacityTokens)
            }
            // As vLLM refuses to start without chunked prefill when a prompt could exceed the budget.
            if !engine.enableChunkedPrefill && r.promptTokens > engine.maxNumBatchedTokens {
                throw Failure.promptOverBudget(r, file: file, budget: engine.maxNumBatchedTokens)
            }
        }
        let order = trace.indices.sorted { (trace[$0].arrival, $0) < (trace[$1].arrival, $1) }
        let node = SimulatedNode(id: self.node, poolIndex: 0, poolID: "trace", engineName: engine.kind.rawValue,
                                 version: "trace", model: model.modelSpec, gpu: gpu, engine: engine,
                                 stepModel: stepModel, kvBlocks: kvBlocks)
        node.maxStepsPerEvent = maxStepsPerEvent
        var peakBlocks = 0
        var requests: [SimulatedRequest] = []
        requests.reserveCapacity(trace.count)
        var finishes = Array(repeating: Double.nan, count: trace.count)
        var firsts = Array(repeating: Double.nan, count: trace.count)
        var next = 0
        var stepEnd = Double.infinity
        var now = 0.0
        var steps = 0, peakWaiting = 0
        var peakKV = 0.0
        var done = 0
        while done < trace.count {
            // Here a step has been planned: its blocks are taken.
            peakBlocks = max(peakBlocks, node.kv.ownedBlocks + node.kv.cachedBlocks)
            let arrivalTime = next < order.count ? trace[order[next]].arrival : .infinity
            if arrivalTime <= stepEnd {
                now = arrivalTime
                let i = order[next]
                next += 1
                let t = trace[i]
                let r = SimulatedRequest(id: i, classIndex: 0, poolIndex: 0, arrival: t.arrival,
                                         promptTokens: t.promptTokens, outputTokens: t.outputTokens,
                                         prefixTokens: t.hashedPrefixTokens, blockHashes: t.blockHashes,
                                         hashBlockTokens: t.hashBlockTokens)
                requests.append(r)
                node.enqueue(r)
                if !node.isBusy {
                    stepEnd = node.planStep(at: now).map { now + $0.duration } ?? .infinity
                } else if let end = node.cutRun(at: now) {
                    stepEnd = end
                }
            } else {
                now = stepEnd
                let plan = node.currentStep
                let (first, completed) = node.completeStep(at: now)
                steps += plan?.steps ?? 0
                for r in first { firsts[r.id] = now }
                for r in completed {
                    finishes[r.id] = now
                    done += 1
                }
                peakWaiting = max(peakWaiting, node.waiting.count)
                peakKV = max(peakKV, node.kvUsage)
                stepEnd = node.planStep(at: now).map { now + $0.duration } ?? .infinity
            }
            if stepEnd == .infinity && next >= order.count && done < trace.count {
                preconditionFailure("the engine stopped with \(trace.count - done) requests unfinished")
            }
        }
        let byID = Dictionary(uniqueKeysWithValues: requests.map { ($0.id, $0) })
        let outcomes = trace.indices.map { i in
            Outcome(request: trace[i], firstToken: firsts[i], finish: finishes[i], preemptions: byID[i]?.preemptions ?? 0)
        }
        return Result(outcomes: outcomes, kvBlocks: kvBlocks, steps: steps, peakWaiting: peakWaiting,
                      peakKVUsage: peakKV, simulatedSeconds: now, peakBlocksHeld: peakBlocks,
                      leakedBlocks: node.kv.ownedBlocks, leakedTokens: node.kvUsedTokens)
    }
}

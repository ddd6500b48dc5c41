import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Scheduler

/// The node engine against measured behaviour, and its invariants under stress.
@Suite struct EngineModelTests {
    static let profilePath = RepositoryRoot.path + "/sample-data/profiles/h100-sxm-hf-eager.json"
    static let enginePath = RepositoryRoot.path + "/sample-data/engines/transformers-cb-h100.json"
    static let tracePath = RepositoryRoot.path + "/sample-data/traces/h100-transformers-cb-light.jsonl"
    /// The calibration data as shipped beside the project, when it is there; the sample-data
    /// copies otherwise.
    static let sharedCalibration = RepositoryRoot.path + "/../shared/calibration"

    static func replay(trace: String = tracePath, profile: String = profilePath, engine: String? = enginePath,
                       maxStepsPerEvent: Int = 32) throws -> (TraceReplayReport, TraceReplay.Result) {
        let p = try NodeProfileLoader.load(file: profile)
        let e = try engine.map(EngineSettingsLoader.load) ?? EngineSettings()
        let replay = try TraceReplay(profile: p, profileFile: profile, modelName: nil, engine: e)
        let result = try replay.run(ServingTraceReader.load(file: trace), file: trace, maxStepsPerEvent: maxStepsPerEvent)
        return (TraceReplayReport(trace: trace, profile: p.name, replay: replay, engine: e, result: result), result)
    }

    @Test func theLightTraceReplaysWithinTenPercent() throws {
        var sources = [(Self.tracePath, Self.profilePath, Self.enginePath)]
        let shared = Self.sharedCalibration
        if FileManager.default.fileExists(atPath: shared + "/trace-light.jsonl") {
            // The calibration files exactly as measured, engine.json without our overhead field.
            sources.append((shared + "/trace-light.jsonl", shared + "/profile-h100-hf-eager.json", shared + "/engine.json"))
        }
        for (trace, profile, engine) in sources {
            let (report, _) = try Self.replay(trace: trace, profile: profile, engine: engine)
            let e = try #require(report.relativeError)
            for (name, value) in [("TTFT p50", e.ttft.p50), ("TTFT p95", e.ttft.p95), ("e2e p50", e.e2e.p50), ("e2e p95", e.e2e.p95)] {
                #expect(abs(value) <= 0.10, "\(name) off by \(value * 100)% replaying \(trace)")
            }
            #expect(report.kvBlocks == 786)
            #expect(report.blockSize == 256)
        }
    }

    @Test func runsOfDecodeStepsAgreeWithSteppingOneByOne() throws {
        let (jumped, a) = try Self.replay()
        let (stepped, b) = try Self.replay(maxStepsPerEvent: 1)
        #expect(abs(Double(b.steps) / Double(a.steps) - 1) < 0.02)
        for (x, y) in zip(a.outcomes, b.outcomes) {
            #expect(abs(x.e2e / y.e2e - 1) < 0.01, "\(x.request.id): \(x.e2e) vs \(y.e2e)")
            #expect(abs(x.ttft - y.ttft) < 0.02, "\(x.request.id): \(x.ttft) vs \(y.ttft)")
        }
        #expect(abs(jumped.e2e.p95 / stepped.e2e.p95 - 1) < 0.01)
    }

    /// A random overload on a node with a small cache: preemptions happen, and still every
    /// request finishes, no block leaks, the cache never overfills, first tokens come in
    /// arrival order (FCFS) and nobody is preempted without bound.
    @Test(arguments: [UInt64(1), 2, 3])
    func overloadKeepsTheInvariants(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        var t = 0.0
        var lines: [String] = []
        for i in 0..<400 {
            t += rng.exponential(rate: 40)
            let prompt = LengthDistribution(median: 600, sigma: 0.9, min: 8, max: 6000).sample(&rng)
            let output = LengthDistribution(median: 200, sigma: 0.8, min: 1, max: 1500).sample(&rng)
            lines.append("{\"id\": \"r\(i)\", \"arrival_s\": \(t), \"prompt_tokens\": \(prompt), \"output_tokens\": \(output)}")
        }
        let traceFile = try TempFile(lines.joined(separator: "\n"), suffix: ".jsonl")
        let trace = lines
        let engine = try TempFile("""
            {"engine": "vllm", "block_size": 16, "num_blocks": 900, "max_num_batched_tokens": 2048, "max_num_seqs": 64,
             "enable_prefix_caching": true, "step_overhead_ms": 2}
            """, suffix: ".json")
        let (_, result) = try Self.replay(trace: traceFile.path, engine: engine.path)
        #expect(result.outcomes.allSatisfy { $0.finish.isFinite && $0.finish >= $0.firstToken })
        #expect(result.outcomes.reduce(0) { $0 + $1.preemptions } > 0, "the cache is small enough to preempt")
        #expect(result.peakBlocksHeld <= 900)
        #expect(result.leakedBlocks == 0)
        #expect(result.leakedTokens == 0)
        // A victim is always the newest running request and waits at the head of the queue, so
        // nobody is overtaken: the preemptions one request suffers are bounded by the work
        // admitted before it, and its wait by the whole run. Recompute storms are real vLLM
        // behaviour under cache pressure; unbounded ones would show here.
        #expect(result.outcomes.map(\.preemptions).max()! < trace.count)
        #expect(result.outcomes.allSatisfy { $0.e2e <= result.simulatedSeconds })
        let byArrival = result.outcomes.sorted { $0.request.arrival < $1.request.arrival }
        for (a, b) in zip(byArrival, byArrival.dropFirst()) {
            #expect(a.firstToken <= b.firstToken, "\(b.request.id) overtook \(a.request.id)")
        }
    }

    @Test func aLongPromptIsPrefilledInChunks() throws {
        let trace = try TempFile("{\"arrival_s\": 0, \"prompt_tokens\": 20000, \"output_tokens\": 2}", suffix: ".jsonl")
        let chunked = try TempFile("{\"num_blocks\": 4000, \"max_num_batched_tokens\": 8192, \"step_overhead_ms\": 0}", suffix: ".json")
        let (_, result) = try Self.replay(trace: trace.path, engine: chunked.path)
        // ceil(20000 / 8192) = 3 prefill steps, then one decode step.
        #expect(result.steps == 4)
        let table = try #require(try NodeProfileLoader.load(file: Self.profilePath).models.first?.table)
        let expected = table.prefillTime(tokens: 8192) * 2 + table.prefillTime(tokens: 20000 - 16384)
        #expect(abs(result.outcomes[0].ttft - expected) < 1e-9)
    }

    @Test func aSharedPrefixIsComputedOnce() throws {
        // Same traffic, with and without prefix caching: the cached run computes fewer prompt
        // tokens and answers sooner.
        func run(caching: Bool) throws -> (ttft: Double, hits: Int) {
            var engine = EngineSettings(numBlocks: 5000, enablePrefixCaching: caching, stepOverhead: 0.002)
            engine.maxNumBatchedTokens = 4096
            let profile = try NodeProfileLoader.load(file: Self.profilePath)
            let model = profile.models[0]
            let node = SimulatedNode(id: "n", poolIndex: 0, poolID: "p", engineName: "vllm", version: "v", model: model.modelSpec,
                                     gpu: GPUSpec.catalog["H100-SXM"]!, engine: engine,
                                     stepModel: StepTimeModel(profile: profile, model: model, gpus: 1, overhead: 0.002), kvBlocks: 5000)
            var now = 0.0
            var ttfts: [Double] = []
            for i in 0..<20 {
                let r = SimulatedRequest(id: i, classIndex: 0, poolIndex: 0, arrival: now, promptTokens: 2100,
                                         outputTokens: 1, prefixKey: 7, prefixTokens: 2000)
                node.enqueue(r)
                while let plan = node.planStep(at: now) {
                    now += plan.duration
                    _ = node.completeStep(at: now)
                }
                ttfts.append(now - r.arrival)
            }
            return (ttfts.dropFirst().reduce(0, +) / 19, node.counters.prefixHitTokens)
        }
        let cached = try run(caching: true), plain = try run(caching: false)
        // 2000 / 16 = 125 full blocks hit by each of the 19 later requests.
        #expect(cached.hits == 19 * 2000)
        #expect(plain.hits == 0)
        #expect(cached.ttft < plain.ttft * 0.5)
    }

    /// A cache barely larger than one request whose whole prompt is a cached prefix: the hit
    /// stops one token short, the request owns a copy of the last prefix block, and decoding
    /// must evict the chain's unused tail rather than preempt itself for ever.
    @Test func aTinyCacheFullOfAPrefixStillServesEveryRequest() throws {
        let profile = try NodeProfileLoader.load(file: Self.profilePath)
        let model = profile.models[0]
        let engine = EngineSettings(numBlocks: 4, stepOverhead: 0.001)
        let node = SimulatedNode(id: "n", poolIndex: 0, poolID: "p", engineName: "vllm", version: "v", model: model.modelSpec,
                                 gpu: GPUSpec.catalog["H100-SXM"]!, engine: engine,
                                 stepModel: StepTimeModel(profile: profile, model: model, gpus: 1, overhead: 0.001), kvBlocks: 4)
        var now = 0.0
        var finished = 0
        for i in 0..<3 {
            node.enqueue(SimulatedRequest(id: i, classIndex: 0, poolIndex: 0, arrival: now, promptTokens: 48,
                                          outputTokens: 16, prefixKey: 9, prefixTokens: 48))
            var steps = 0
            while let plan = node.planStep(at: now), steps < 1000 {
                now += plan.duration
                finished += node.completeStep(at: now).completed.count
                steps += 1
            }
            #expect(steps < 1000, "request \(i) never finished")
        }
        #expect(finished == 3)
        #expect(node.waiting.isEmpty && node.running == 0)
        #expect(node.kv.ownedBlocks == 0)
    }

    @Test func theMeasuredTableInterpolatesThroughItsPoints() throws {
        let table = try #require(try NodeProfileLoader.load(file: Self.profilePath).models.first?.table)
        // 8192 tokens were measured twice (1 x 8192 and 4 x 2048): their mean.
        #expect(abs(table.prefillTime(tokens: 8192) - (0.2642485 + 0.2421063) / 2) < 1e-6)
        #expect(abs(table.decodeTime(batch: 128, context: 1024) - 0.06969294) < 1e-6)
        // Between points: between their values; past the last: growing, not falling.
        let mid = table.decodeTime(batch: 192, context: 512)
        #expect(mid > 0.0416 && mid < 0.0712)
        #expect(table.decodeTime(batch: 256, context: 4096) > table.decodeTime(batch: 32, context: 4096))
        #expect(table.prefillTime(tokens: 16384) > table.prefillTime(tokens: 8192) * 1.9)
        #expect(table.floor > 0.017 && table.floor < 0.019)
    }

    @Test func theRooflineProfilesLoadAndOrderTheGPUs() throws {
        var decode: [String: Double] = [:]
        for name in ["h100-sxm", "a100-80gb", "l4"] {
            let p = try NodeProfileLoader.load(file: RepositoryRoot.path + "/sample-data/profiles/\(name).json")
            let m = try #require(p.model(named: "llama3-8b"))
            #expect(m.table == nil)
            let model = StepTimeModel(profile: p, model: m, gpus: 1, overhead: 0)
            decode[name] = model.stepTime(prefillTokens: 0, decodeSequences: 64, contextTokens: 64 * 1000)
            // Bandwidth-bound decode: at least the weights over the bandwidth.
            #expect(decode[name]! >= m.weightBytes / p.hardware.bandwidth)
        }
        #expect(decode["h100-sxm"]! < decode["a100-80gb"]!)
        #expect(decode["a100-80gb"]! < decode["l4"]!)
        let edge = try NodeProfileLoader.load(file: RepositoryRoot.path + "/sample-data/profiles/arm-edge-4c.json")
        #expect(edge.models.allSatisfy { $0.quantization == .int4 })
    }
}

/// A file in the temporary directory, removed when the value goes.
final class TempFile {
    let path: String
    init(_ text: String, suffix: String) throws {
        path = NSTemporaryDirectory() + "/fleetdeck-\(UUID().uuidString)\(suffix)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

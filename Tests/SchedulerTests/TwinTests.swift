import FleetCore
import FleetdeckTestSupport
import Foundation
import Testing
@testable import Scheduler

/// The twin of a watched fleet (Docs/twin.md): its fit, its settings, and a twin of the
/// embedded simulator itself, whose every figure is known.
@Suite struct TwinTests {
    @Test func theStepFitRecoversAKnownEngine() {
        // An engine whose step is 4 ms + 16 ms a sequence + 9 ms a prompt token, as it would
        // report itself at 1.6 sequences and 20 prompt tokens a second, 12-token prompts.
        let truth = LinearStepModel(base: 0.004, perSequence: 0.016, perPromptToken: 0.009)
        let batch = 1.6, pi = 20.0, prompt = 12.0
        let tpot = (truth.base + truth.perSequence * batch) / (1 - truth.perPromptToken * pi)
        let promptStep = truth.base + truth.perSequence * batch + truth.perPromptToken * prompt
        var notes: [String] = []
        let fit = TwinCalibration.fitStep(tpot: tpot, meanBatch: batch, promptTokensPerSecond: pi, promptMean: prompt,
                                          prefillSecondsPerRequest: promptStep, prior: TwinCalibration.priorShape(engine: "llamacpp"),
                                          notes: &notes)
        #expect(abs(fit.perPromptToken - truth.perPromptToken) < 1e-9)
        // base : per sequence is the prior's; the pair reproduces the decode time exactly.
        #expect(abs((fit.base + fit.perSequence * batch) - (truth.base + truth.perSequence * batch)) < 1e-9)
        #expect(notes.isEmpty)

        // Without a prompt time, the prior's prompt cost, said so.
        let guessed = TwinCalibration.fitStep(tpot: tpot, meanBatch: batch, promptTokensPerSecond: pi, promptMean: prompt,
                                              prefillSecondsPerRequest: nil, prior: TwinCalibration.priorShape(engine: "llamacpp"),
                                              notes: &notes)
        let replayed = (guessed.base + guessed.perSequence * batch) / (1 - guessed.perPromptToken * pi)
        #expect(abs(replayed - tpot) < 1e-9)
        #expect(notes.contains { $0.contains("prompt cost per token assumed") })
    }

    static func llamaWindow(generated: Double, arrivals: Double? = nil) -> TwinWindow {
        TwinWindow(pool: "smol", engine: "llamacpp", start: 0, end: 60, samples: 60, nodesUp: 1, arrivalRate: arrivals,
                   generationTokensPerSecond: generated, promptTokensPerSecond: 12, promptSecondsPerSecond: 0.2,
                   tokenWeightedBatch: 1.5, runningWhileWaiting: 2,
                   latency: PoolLatency(pool: "smol", LatencySignals(tpot: Quantiles(mean: 0.025), samples: [.tpot: 40]),
                                        samples: 0, objectives: [], breached: []),
                   pricePerNodeHour: 0)
    }

    @Test func llamaCppArrivalsAreInferredFromTheConfiguredOutputLengthOrRefusedWithTheReason() throws {
        let w = Self.llamaWindow(generated: 32)
        guard case .failure(let why) = TwinCalibration.fit(w, settings: TwinPoolSettings()) else {
            Issue.record("a llama.cpp pool with no output length was modelled"); return
        }
        #expect(why.reason.contains("counts no requests") && why.reason.contains("output_tokens"), "\(why.reason)")

        let fixed = LengthDistribution(median: 32, sigma: 0, min: 32, max: 32)
        let m = try TwinCalibration.fit(w, settings: TwinPoolSettings(outputTokens: fixed)).get()
        #expect(abs(m.arrivalRate - 1) < 1e-9)            // 32 tokens/s of 32-token answers
        #expect(m.slots == 2)                                // the most seen running while others waited
        #expect(m.notes.contains { $0.contains("arrivals inferred") })
        #expect(abs(TwinCalibration.mean(m.promptTokens) - 12) < 0.5)

        // Idle: nothing to fit; no time per output token yet: said so.
        guard case .failure(let idle) = TwinCalibration.fit(Self.llamaWindow(generated: 0), settings: TwinPoolSettings(outputTokens: fixed)) else {
            Issue.record("an idle pool was modelled"); return
        }
        #expect(idle.reason.hasPrefix("idle"))
    }

    @Test func anEnginesLengthHistogramsGiveTheSpreadWithoutAnAssumption() throws {
        var w = Self.llamaWindow(generated: 400, arrivals: 2)
        w.engine = "vllm"
        w.outputLength = Quantiles(p50: 150, p90: 300, p95: 380, p99: 600, mean: 200)
        w.promptLength = Quantiles(p50: 800, p90: 1600, p95: 2000, p99: 3000, mean: 1000)
        let m = try TwinCalibration.fit(w, settings: TwinPoolSettings()).get()
        #expect(m.outputTokens.median == 150 && abs(m.outputTokens.sigma - log(2) / 1.2816) < 1e-9)
        #expect(m.promptTokens.median == 800 && m.promptTokens.max == 9000)
        #expect(!m.notes.contains { $0.contains("spread assumed") }, "\(m.notes)")
        // A batching engine's queue says nothing of its sequence limit: vLLM's default, said so.
        #expect(m.slots == 256 && m.notes.contains { $0.contains("vLLM's default") })
        // The engine's KV cache, where it states it, is the twin's memory.
        w.kvCacheTokens = 32_000
        let limited = try TwinCalibration.fit(w, settings: TwinPoolSettings()).get()
        let scenario = FleetTwin.scenario([limited], objectives: [:], startTimeOfDay: 0)
        guard case .gpu(let g) = scenario.pools[0].kind else { Issue.record("not a GPU pool"); return }
        #expect(limited.kvCacheTokens == 32_000 && g.kvBlocks == 2000)
    }

    /// A burst: the fleet holds far more waiting than the window's steady state. The what-ifs
    /// must start from that queue, not from the twin's calm one.
    @Test func theWhatIfsStartFromTheQueueTheFleetHoldsNow() async throws {
        let (waiting, note) = try await offPool { () throws -> (Int, Bool) in
            let twin = Fixtures.twinAfterBurst(try Fixtures.steadyPool(rate: 8, nodes: 2, outputMedian: 60), burst: 300)
            let fleet = try #require(twin.calibrate())
            let queued = fleet.pools[0].nodeIndices.reduce(0) { $0 + fleet.nodes[$1].waiting.count }
            return (queued, twin.reports.first?.notes.contains { $0.contains("what-ifs start with") } ?? false)
        }
        // Some of the burst may be admitted to the engines' batches at once; most waits.
        #expect(waiting >= 200, "\(waiting)")
        #expect(note)
    }

    @Test func theTwinSectionReadsLengthsAsNumbersOrDistributionsAndNamesABadKeysLine() throws {
        let doc = try YAMLValue.parse("""
            pools:
              smol: {output_tokens: 32, slots: 2, cold_start_s: 3, router: round_robin}
              chat: {prompt_tokens: {median: 600, sigma: 0.4}, max_batched_tokens: 4096}
            """, file: "fleet.yaml")
        let s = try TwinSettings.read(doc, relativeTo: "/etc/fleet.yaml")
        #expect(s.pool("smol").outputTokens == LengthDistribution(median: 32, sigma: 0, min: 32, max: 32))
        #expect(s.pool("smol").slots == 2 && s.pool("smol").coldStart == 3 && s.pool("smol").router == .roundRobin)
        #expect(s.pool("chat").router == .leastLoaded)
        #expect(s.pool("chat").promptTokens?.sigma == 0.4 && s.pool("chat").maxBatchedTokens == 4096)
        #expect(s.pool("other") == TwinPoolSettings())

        let bad = try YAMLValue.parse("pools:\n  smol: {output_tokns: 32}\n", file: "fleet.yaml")
        let e = #expect(throws: ConfigFileError.self) { try TwinSettings.read(bad, relativeTo: nil) }
        #expect(e?.description.contains("fleet.yaml") == true && e?.description.contains("output_tokns") == true, "\(String(describing: e))")
    }

    /// The simulator watched as if it were a real fleet: the twin sees only its snapshots (no
    /// scenario), and must find its load and predict its latency.
    @Test func aTwinOfTheSimulatorFindsItsLoadAndPredictsItsLatency() async throws {
        let (report, advice, offered) = try await offPool { () throws -> (TwinPoolReport, FleetAdvice, Double) in
            let sc = try Fixtures.steadyPool(rate: 24, nodes: 3, maxNumSeqs: 32, promptMedian: 400, outputMedian: 120)
            let sim = FleetSimulator(scenario: sc)
            let twin = FleetTwin()
            let advisor = Advisor()
            for t in stride(from: 1.0, through: 240, by: 1) {
                sim.advance(to: t)
                let snapshot = sim.snapshot()
                twin.observe(snapshot)
                advisor.observe(snapshot)
            }
            let advice = advisor.round(twin: twin, snapshot: sim.snapshot()).advice
            return (try #require(advice.twin.first), advice, sc.workload.peakRate)
        }
        #expect(abs(report.arrivalRate - offered) / offered < 0.15, "\(report.arrivalRate)")
        // Lognormal, median 120, sigma 0.5: mean 136.
        #expect(abs(report.outputTokens - 136) / 136 < 0.2, "\(report.outputTokens)")
        let predicted = try #require(report.predicted?.e2eP95), observed = try #require(report.observed?.e2eP95)
        #expect(abs(predicted - observed) / observed < 0.25, "predicted \(predicted), observed \(observed)")
        // The advisor ranked what-ifs on the twin, as on the embedded fleet.
        #expect(advice.recommendations.contains { $0.action == nil })
        #expect(advice.note == nil, "\(advice.note ?? "")")
    }

    @Test func aNamedModelOnTheDetectedGPUShapesTheStepAsTheSimulatorsRoofline() async throws {
        let doc = try YAMLValue.parse("""
            pools:
              p: {model: {name: llama-3-8b, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}}
            """, file: "fleet.yaml")
        let settings = try TwinSettings.read(doc, relativeTo: nil)
        typealias Fitted = (family: TwinPoolReport, shaped: TwinPoolReport, analytic: (family: LinearStepModel, shaped: LinearStepModel),
                            truth: LinearStepModel)
        let (family, shaped, analytic, truth) = try await offPool { () throws -> Fitted in
            // Prompts long enough that their cost shows in the first token.
            let sc = try Fixtures.steadyPool(rate: 24, nodes: 3, maxNumSeqs: 32, promptMedian: 2000, outputMedian: 120)
            let sim = FleetSimulator(scenario: sc)
            let plain = FleetTwin(), named = FleetTwin(settings: settings)
            for t in stride(from: 1.0, through: 180, by: 1) {
                sim.advance(to: t)
                plain.observe(sim.snapshot())
                named.observe(sim.snapshot())
            }
            // The analytic fits, before any play fits the prompt cost to the TTFT.
            plain.refit(); named.refit()
            let fits = (try #require(plain.models.first).step, try #require(named.models.first).step)
            let m = try #require(named.models.first)
            guard case .gpu(let g) = sc.pools[0].kind else { throw FleetActionError("not a GPU pool") }
            let engine = StepTimeModel(model: sc.pools[0].model, gpu: g.gpu, gpus: 1, overhead: 0)
            let truth = try #require(TwinStepShape.linearised(engine, batch: m.meanBatch, context: TwinCalibration.mean(m.promptTokens)
                                                              + TwinCalibration.mean(m.outputTokens) / 2, promptTokens: TwinCalibration.mean(m.promptTokens)))
            _ = plain.calibrate(); _ = named.calibrate()
            return (try #require(plain.reports.first), try #require(named.reports.first), fits, truth)
        }
        // The simulator's nodes report their GPU as dcgm-exporter would name it.
        #expect(shaped.stepShape == "roofline of H100-SXM (detected) for llama-3-8b", "\(shaped.stepShape)")
        #expect(family.stepShape == TwinPoolReport.familyShape)
        #expect(family.notes.contains { $0.contains("step shape from the engine family") })
        #expect(!shaped.notes.contains { $0.contains("step shape") }, "\(shaped.notes)")
        // The roofline's prompt cost is the simulator's own, scaled with the decode terms to the
        // observed TPOT (which carries the engine's fixed step overhead, not in a roofline); the
        // family's is a guess.
        let (fc, sc) = (analytic.family.perPromptToken / truth.perPromptToken, analytic.shaped.perPromptToken / truth.perPromptToken)
        print("prompt cost against the simulator's: engine family's shape x\(fc), the roofline's x\(sc)")
        #expect(abs(sc - 1) < abs(fc - 1), "roofline x\(sc), family x\(fc)")
        // Then the plays fit the prompt cost to the observed TTFT p50, whatever the shape.
        func ttftError(_ r: TwinPoolReport) throws -> Double {
            let p = try #require(r.predicted?.ttftP50), o = try #require(r.observed?.ttftP50)
            return (p - o) / o
        }
        let (fe, se) = (try ttftError(family), try ttftError(shaped))
        print("TTFT p50 error after the plays: engine family's shape \(fe), the roofline's \(se)")
        #expect(abs(fe) < 0.15 && abs(se) < 0.15, "family \(fe), roofline \(se)")
    }

    @Test func aStepShapeNamesItsProfileOrGPUAndABadOneItsLine() throws {
        #expect(GPUSpec.matching("NVIDIA H100 80GB HBM3")?.name == "H100-SXM")
        #expect(GPUSpec.matching("NVIDIA A100-SXM4-80GB")?.name == "A100-80GB")
        #expect(GPUSpec.matching("NVIDIA L40S") == nil)
        let profiles = RepositoryRoot.path + "/sample-data/profiles"
        let doc = try YAMLValue.parse("""
            pools:
              a: {profile: \(profiles)/h100-sxm.json}
              b: {model: {name: m, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}, gpu: L4, gpus_per_node: 2}
            """, file: "fleet.yaml")
        let s = try TwinSettings.read(doc, relativeTo: nil)
        guard case .profile(let profile, let model, _)? = s.pool("a").stepShape else { Issue.record("no profile read"); return }
        #expect(model == profile.models.first)
        guard case .roofline(let m, let gpu)? = s.pool("b").stepShape else { Issue.record("no roofline read"); return }
        #expect(m.name == "m" && gpu?.name == "L4" && s.pool("b").gpusPerNode == 2)
        for (text, reason) in [("pools:\n  a: {gpu: B200, model: {name: m, params_b: 8, quantization: bf16, layers: 32, kv_heads: 8, head_dim: 128}}\n", "unknown GPU 'B200'"),
                               ("pools:\n  a: {gpu: L4}\n", "needs the model's shape"),
                               ("pools:\n  a: {profile: /nonexistent/p.json}\n", "node profile"),
                               ("pools:\n  a: {profile: \(profiles)/h100-sxm.json, profile_model: nope}\n", "has no model 'nope'")] {
            let e = #expect(throws: ConfigFileError.self) { try TwinSettings.read(try YAMLValue.parse(text, file: "fleet.yaml"), relativeTo: nil) }
            #expect(e?.description.contains("fleet.yaml:2") == true && e?.description.contains(reason) == true, "\(String(describing: e))")
        }
    }

    /// A batching engine exports no slot count: a queue standing through most of the window
    /// means it runs all it can, so the most seen running is its limit; a passing queue says nothing.
    @Test func aStandingQueueGivesABatchingEnginesLimitAndAPassingOneDoesNot() throws {
        func window(queued: Double) -> TwinWindow {
            TwinWindow(pool: "chat", engine: "vllm", start: 0, end: 60, samples: 60, nodesUp: 1, arrivalRate: 12,
                       generationTokensPerSecond: 1200, promptTokensPerSecond: 4800, promptSecondsPerSecond: nil,
                       tokenWeightedBatch: 16, runningWhileWaiting: 16, queuedShare: queued,
                       latency: PoolLatency(pool: "chat", LatencySignals(tpot: Quantiles(mean: 0.02), samples: [.tpot: 400]),
                                            samples: 400, objectives: [], breached: []),
                       pricePerNodeHour: 0)
        }
        let standing = try TwinCalibration.fit(window(queued: 0.9), settings: TwinPoolSettings()).get()
        #expect(standing.slots == 16)
        #expect(standing.notes.contains { $0.contains("standing queue") })
        let passing = try TwinCalibration.fit(window(queued: 0.2), settings: TwinPoolSettings()).get()
        #expect(passing.slots == 256)
        #expect(passing.notes.contains { $0.contains("vLLM's default") })
        // The operator's figure wins.
        #expect(try TwinCalibration.fit(window(queued: 0.9), settings: TwinPoolSettings(slots: 64)).get().slots == 64)
    }
}

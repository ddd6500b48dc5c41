import FleetCore
import FleetdeckTestSupport
import Foundation
import Testing
@testable import Scheduler

/// The host cost per step, per sequence and per token: fitted to the light trace and the
/// capacity probe together, and the fit itself.
@Suite struct CalibrationTests {
    static let profilePath = EngineModelTests.profilePath
    static let enginePath = EngineModelTests.enginePath

    @Test func theShippedEngineReproducesTheCapacityProbeWithinTenPercent() throws {
        let profile = try NodeProfileLoader.load(file: Self.profilePath)
        let engine = try EngineSettingsLoader.load(file: Self.enginePath)
        let probe = try #require(engine.capacityProbe)
        #expect(probe.requestsPerSecond == 0.905 && probe.requests == 120)
        let replay = try TraceReplay(profile: profile, profileFile: "p", modelName: nil, engine: engine)
        let rate = try probe.simulatedRate(on: replay)
        #expect(abs(rate / 0.905 - 1) <= 0.10, "simulated \(rate)/s against the measured 0.905/s")
        // The constant overhead alone, fitted at light load, runs fast at a full batch.
        var constant = engine
        constant.stepOverhead = 0.090; constant.stepOverheadPerSequence = 0; constant.stepOverheadPerToken = 0
        let fast = try probe.simulatedRate(on: TraceReplay(profile: profile, profileFile: "p", modelName: nil, engine: constant))
        #expect(fast > rate * 1.08, "\(fast) vs \(rate)")
    }

    @Test func theProbesWorkloadReadsAsTheBenchmarkWroteIt() throws {
        let w = try BurstWorkload(parsing: "prompt lognormal median 400 [16,3000], output lognormal median 150 [8,1024], sigma 0.8, EOS disabled")
        #expect(w.prompt == LengthDistribution(median: 400, sigma: 0.8, min: 16, max: 3000))
        #expect(w.output == LengthDistribution(median: 150, sigma: 0.8, min: 8, max: 1024))
        let probe = CapacityProbe(requestsPerSecond: 1, workload: w)
        let burst = probe.burst(seed: 3)
        #expect(burst.count == 120 && burst.allSatisfy { $0.arrival == 0 && (16...3000).contains($0.promptTokens) && (8...1024).contains($0.outputTokens) })
        #expect(burst == probe.burst(seed: 3) && burst != probe.burst(seed: 4))
        for bad in ["prompt lognormal median 400 [16,3000], sigma 0.8", "prompt lognormal median 400 [16,3000], output lognormal median 150 [8,1024]",
                    "prompt lognormal median 4000 [16,3000], output lognormal median 150 [8,1024], sigma 0.8", "prompt normal 400"] {
            #expect(throws: BurstWorkload.ParseError.self, "\(bad)") { _ = try BurstWorkload(parsing: bad) }
        }
        // In an engine file, a probe without its workload is an error at its line.
        do {
            _ = try EngineSettingsLoader.parse(text: "engine: vllm\ncapacity_probe_req_per_s: 2\n", file: "e.yaml")
            Issue.record("accepted a probe without a workload")
        } catch let e as ConfigFileError {
            #expect(e.line == 2 && e.description.contains("workload"), "\(e)")
        }
    }

    /// A trace "measured" on the model itself with a known host cost: the fit, started
    /// elsewhere, finds a cost that reproduces it, near the one it was made with.
    @Test func theFitRecoversAKnownHostCost() throws {
        let profile = try NodeProfileLoader.load(file: Self.profilePath)
        var truth = try EngineSettingsLoader.load(file: Self.enginePath)
        truth.stepOverhead = 0.060; truth.stepOverheadPerSequence = 0.0015; truth.stepOverheadPerToken = 0
        let made = try TraceReplay(profile: profile, profileFile: "p", modelName: nil, engine: truth)
        // Poisson arrivals heavy enough that batches reach a dozen sequences.
        var rng = SeededRandom(seed: 11)
        var t = 0.0
        let requests = (0..<60).map { i -> TraceRequest in
            t += rng.exponential(rate: 0.8)
            return TraceRequest(line: i + 1, id: "s\(i)", arrival: t, promptTokens: 200 + Int(rng.next() % 800),
                                outputTokens: 40 + Int(rng.next() % 200))
        }
        let measured = try made.run(requests, file: "synthetic").outcomes.map {
            var r = $0.request
            r.measuredFirstToken = $0.firstToken; r.measuredFinish = $0.finish
            return r
        }
        var start = truth
        start.stepOverhead = 0.080; start.stepOverheadPerSequence = 0; start.stepOverheadPerToken = 0
        let calibration = try OverheadCalibration(profile: profile, profileFile: "p", modelName: nil, engine: start,
                                                  traces: [.init(file: "synthetic", requests: measured)], probe: nil)
        let before = try calibration.evaluate(start.hostCost)
        let fitted = try calibration.fit(from: start.hostCost, gridPoints: 9, rounds: 2, points: 9)
        #expect(before.loss > 0.002)
        #expect(fitted.loss < before.loss / 10, "\(fitted)")
        #expect(abs(fitted.host.perStep - 0.060) < 0.012, "\(fitted.host)")
        #expect(abs(fitted.host.perSequence - 0.0015) < 0.0008, "\(fitted.host)")
        #expect(fitted.traces[0].terms.allSatisfy { abs($0) < 0.05 }, "\(fitted.traces)")
    }

    @Test func aCalibrationTraceMustBeMeasured() throws {
        let profile = try NodeProfileLoader.load(file: Self.profilePath)
        let unmeasured = [TraceRequest(line: 4, id: "x", arrival: 0, promptTokens: 10, outputTokens: 5)]
        #expect(throws: OverheadCalibration.Failure.self) {
            _ = try OverheadCalibration(profile: profile, profileFile: "p", modelName: nil, engine: EngineSettings(),
                                        traces: [.init(file: "u.jsonl", requests: unmeasured)], probe: nil)
        }
        #expect(throws: OverheadCalibration.Failure.self) {
            _ = try OverheadCalibration(profile: profile, profileFile: "p", modelName: nil, engine: EngineSettings(), traces: [], probe: nil)
        }
    }

    /// Vidur's measured A100 tables put Llama-3-70B's TP2 decode step about 1.3-1.5x above the
    /// old roofline (1.7 TB/s, no all-reduce); the profile now has 1.5 TB/s and NCCL's all-reduce.
    @Test func aTensorParallelStepPaysItsAllReduces() throws {
        let a100 = try NodeProfileLoader.load(file: RepositoryRoot.path + "/sample-data/profiles/a100-80gb.json")
        let model = try #require(a100.model(named: "llama3-70b"))
        let allReduce = try #require(a100.hardware.allReduce)
        let tp2 = StepTimeModel(profile: a100, model: model, gpus: 2, host: .zero)
        let tp1 = StepTimeModel(profile: a100, model: model, gpus: 1, host: .zero)
        guard case .roofline(let r2) = tp2.source, case .roofline(let r1) = tp1.source else { Issue.record("not rooflines"); return }
        #expect(r2.allReducesPerStep == 160 && r1.allReducesPerStep == 0)
        // Batch 64 at 2,048 tokens: Vidur measured 76.9 ms.
        let step = tp2.stepTime(prefillTokens: 0, decodeSequences: 64, contextTokens: 64 * 2048)
        #expect(step > 0.066 && step < 0.085, "\(step)")
        let communication = 160 * allReduce.time(bytes: 64 * 8192 * 2)
        #expect(abs(step - r2.stepTime(prefillTokens: 0, decodeSequences: 64, contextTokens: 64 * 2048)) < 1e-12)
        #expect(communication > 0.008 && communication < 0.011)
    }
}

import FleetCore
import Foundation
import Testing
@testable import Scheduler

@Suite struct StepTimeModelTests {
    let model = ModelSpec(name: "llama3-8b", parametersBillions: 8.03, quantization: .bf16, layers: 32, kvHeads: 8, headDim: 128)

    @Test func decodeIsMemoryBoundAndGrowsWithContext() {
        let m = StepTimeModel(model: model, gpu: GPUSpec.catalog["H100-SXM"]!, gpus: 1, overhead: 0)
        let short = m.stepTime(prefillTokens: 0, decodeSequences: 8, contextTokens: 8 * 128)
        let long = m.stepTime(prefillTokens: 0, decodeSequences: 8, contextTokens: 8 * 8192)
        #expect(abs(short - 16.06e9 / 3e12) / (16.06e9 / 3e12) < 0.05)   // the weights, once
        #expect(long > short)
    }

    @Test func largePrefillIsComputeBound() {
        let m = StepTimeModel(model: model, gpu: GPUSpec.catalog["H100-SXM"]!, gpus: 1, overhead: 0)
        let t = m.stepTime(prefillTokens: 8192, decodeSequences: 0, contextTokens: 0)
        // Two FLOPs per parameter per token, plus causal attention over the chunk: 4 FLOPs x
        // layers x query heads (4 per KV head) x head_dim per (query, key) pair, half of 8192^2 pairs.
        let attention = 4.0 * 32 * 32 * 128 * 0.5 * 8192 * 8192
        #expect(abs(t - (2 * 8.03e9 * 8192 + attention) / 700e12) < 1e-6)
    }

    @Test func kvBytesPerTokenMatchesTheCalibrationShape() {
        // shared/calibration: 131072 bytes per token for the Llama-3.1-8B shape in bf16.
        #expect(model.kvBytesPerToken == 131_072)
    }

    @Test func tensorParallelismSplitsTheWork() {
        let one = StepTimeModel(model: model, gpu: GPUSpec.catalog["L4"]!, gpus: 1, overhead: 0)
        let four = StepTimeModel(model: model, gpu: GPUSpec.catalog["L4"]!, gpus: 4, overhead: 0)
        let a = one.stepTime(prefillTokens: 0, decodeSequences: 16, contextTokens: 4000)
        let b = four.stepTime(prefillTokens: 0, decodeSequences: 16, contextTokens: 4000)
        #expect(abs(a / b - 4) < 1e-9)
    }
}

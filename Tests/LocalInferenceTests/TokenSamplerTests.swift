import Foundation
import LocalInference
import Testing

@Suite struct TokenSamplerTests {
    let logits: [Float] = [0.1, 2.0, -1.0, 1.9, 0.5]

    @Test func greedyTakesTheLargest() {
        var s = TokenSampler(.greedy)
        #expect(s.sample(logits) == 1)
    }

    @Test func topKOfOneIsGreedyAtAnyTemperature() {
        var s = TokenSampler(SamplingParameters(temperature: 5, topK: 1, topP: 1, seed: 9))
        for _ in 0..<20 { #expect(s.sample(logits) == 1) }
    }

    @Test func theSameSeedDrawsTheSameTokens() {
        var a = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: 42))
        var b = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: 42))
        let drawsA = (0..<50).map { _ in a.sample(logits) }
        #expect(drawsA == (0..<50).map { _ in b.sample(logits) })
        // And a high temperature really samples: more than one distinct token in 50 draws.
        #expect(Set(drawsA).count > 1)
    }

    @Test func topPKeepsOnlyTheNucleus() {
        // Tokens 1 and 3 hold ~0.66 of the mass at temperature 1; top-p 0.6 keeps them alone.
        var s = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 0.6, seed: 3))
        for _ in 0..<100 { #expect([1, 3].contains(s.sample(logits))) }
    }

    @Test func frequenciesFollowTheSoftmax() {
        var s = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: 11))
        var counts = [Int](repeating: 0, count: logits.count)
        let n = 20_000
        for _ in 0..<n { counts[Int(s.sample(logits))] += 1 }
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        for (i, l) in logits.enumerated() {
            #expect(abs(Double(counts[i]) / Double(n) - exp(Double(l)) / z) < 0.015)
        }
    }
}

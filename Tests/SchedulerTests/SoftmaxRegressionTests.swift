import FleetCore
import Foundation
import Testing
@testable import Scheduler

@Suite("SoftmaxRegression")
struct SoftmaxRegressionTests {

    @Test func learnsASeparableThreeClassProblem() {
        var random = SeededRandom(seed: 1)
        let training = threeClusters(count: 300, random: &random)
        let heldOut = threeClusters(count: 300, random: &random)
        var model = SoftmaxRegression(featureCount: 2, classCount: 3)
        #expect(SoftmaxRegression.accuracy(of: model, on: heldOut) < 0.5)

        let result = model.train(training)
        #expect(result.skipped == 0)
        #expect(result.loss < 0.2)
        #expect(SoftmaxRegression.accuracy(of: model, on: heldOut) > 0.95)
    }

    @Test func probabilitiesSumToOneAndStayFiniteForHugeFeatures() {
        var random = SeededRandom(seed: 2)
        var model = SoftmaxRegression(featureCount: 2, classCount: 3)
        model.train(threeClusters(count: 150, random: &random))
        for x in [[1e300, -1e300], [-1e308, 1e308], [.greatestFiniteMagnitude, .greatestFiniteMagnitude], [.nan, .infinity]] {
            let p = model.probabilities(x)
            #expect(p.count == 3)
            #expect(p.allSatisfy { $0.isFinite && $0 >= 0 })
            #expect(abs(p.reduce(0, +) - 1) < 1e-12)
        }
        // Far along the first axis is the territory of class 1 (centre (4, 0)).
        #expect(model.predict([1e300, 0]) == 1)
    }

    @Test func constantFeatureDoesNotProduceNaN() {
        var random = SeededRandom(seed: 3)
        let samples = threeClusters(count: 150, random: &random).map {
            SoftmaxRegression.Sample(features: $0.features + [7], label: $0.label)
        }
        var model = SoftmaxRegression(featureCount: 3, classCount: 3)
        let result = model.train(samples)
        #expect(result.loss.isFinite)
        #expect(model.featureScales[2] == 1)
        #expect(model.weights.joined().allSatisfy { $0.isFinite })
        #expect(model.probabilities([0, 0, 7]).allSatisfy { $0.isFinite })
        #expect(SoftmaxRegression.accuracy(of: model, on: samples) > 0.95)
    }

    @Test func trainingIsDeterministic() {
        var random = SeededRandom(seed: 4)
        let samples = threeClusters(count: 120, random: &random)
        var first = SoftmaxRegression(featureCount: 2, classCount: 3)
        var second = SoftmaxRegression(featureCount: 2, classCount: 3)
        let firstResult = first.train(samples, epochs: 50)
        let secondResult = second.train(samples, epochs: 50)
        #expect(first == second)
        #expect(firstResult.loss == secondResult.loss)
        #expect(first != SoftmaxRegression(featureCount: 2, classCount: 3))
    }

    @Test func invalidSamplesAreSkippedAndCounted() {
        var random = SeededRandom(seed: 5)
        let valid = threeClusters(count: 60, random: &random)
        let invalid = [
            SoftmaxRegression.Sample(features: [1], label: 0),
            SoftmaxRegression.Sample(features: [1, 2, 3], label: 1),
            SoftmaxRegression.Sample(features: [1, 2], label: -1),
            SoftmaxRegression.Sample(features: [1, 2], label: 3),
            SoftmaxRegression.Sample(features: [.nan, 2], label: 0),
            SoftmaxRegression.Sample(features: [1, 2], label: 0, weight: 0),
        ]
        var withInvalid = SoftmaxRegression(featureCount: 2, classCount: 3)
        var validOnly = SoftmaxRegression(featureCount: 2, classCount: 3)
        let result = withInvalid.train(valid + invalid, epochs: 40)
        validOnly.train(valid, epochs: 40)
        #expect(result.skipped == invalid.count)
        #expect(withInvalid == validOnly)

        var untouched = SoftmaxRegression(featureCount: 2, classCount: 3)
        #expect(untouched.train(invalid).skipped == invalid.count)
        #expect(untouched == SoftmaxRegression(featureCount: 2, classCount: 3))
    }

    @Test func sampleWeightActsLikeRepetition() {
        var random = SeededRandom(seed: 6)
        let samples = threeClusters(count: 60, random: &random)
        let weighted = samples.enumerated().map { index, sample in
            SoftmaxRegression.Sample(features: sample.features, label: sample.label, weight: index.isMultiple(of: 2) ? 2 : 1)
        }
        let repeated = samples.enumerated().flatMap { index, sample in
            Array(repeating: sample, count: index.isMultiple(of: 2) ? 2 : 1)
        }
        var fromWeights = SoftmaxRegression(featureCount: 2, classCount: 3)
        var fromRepeats = SoftmaxRegression(featureCount: 2, classCount: 3)
        fromWeights.train(weighted, epochs: 30)
        fromRepeats.train(repeated, epochs: 30)
        for x in [[0.0, 0.0], [4, 0], [0, 4], [2, 2]] {
            let difference = zip(fromWeights.probabilities(x), fromRepeats.probabilities(x)).map { abs($0 - $1) }.max() ?? 1
            #expect(difference < 1e-9)
        }
    }

    @Test func wrongSizedInputGivesUniformProbabilities() {
        let model = SoftmaxRegression(featureCount: 2, classCount: 4)
        #expect(model.probabilities([1, 2, 3]) == [0.25, 0.25, 0.25, 0.25])
        #expect(model.predict([1]) == 0)
    }
}

/// Three Gaussian blobs at (0, 0), (4, 0) and (0, 4), the second feature scaled by 1000 so
/// that training only works if standardisation does its job.
private func threeClusters(count: Int, random: inout SeededRandom) -> [SoftmaxRegression.Sample] {
    let centres: [(Double, Double)] = [(0, 0), (4, 0), (0, 4)]
    return (0..<count).map { index in
        let label = index % centres.count
        let (cx, cy) = centres[label]
        let x = cx + 0.6 * random.standardNormal()
        let y = 1000 * (cy + 0.6 * random.standardNormal())
        return SoftmaxRegression.Sample(features: [x, y], label: label)
    }
}

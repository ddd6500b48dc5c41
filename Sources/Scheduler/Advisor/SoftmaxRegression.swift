import Foundation

/// Multinomial logistic regression fitted by full-batch gradient descent.
///
/// Full-batch descent on a convex loss needs no random initialisation or shuffling, so a
/// given training set always yields the same model. Features are standardised with the
/// training mean and standard deviation so one learning rate suits features of any scale.
public struct SoftmaxRegression: Sendable, Equatable {

    public struct Sample: Sendable, Equatable {
        public var features: [Double]
        public var label: Int
        public var weight: Double = 1

        public init(features: [Double], label: Int, weight: Double = 1) {
            self.features = features
            self.label = label
            self.weight = weight
        }
    }

    /// Standardised inputs are clamped to this many standard deviations so that absurd
    /// inputs (1e300) still give finite logits; anything this far out is saturated anyway.
    public static let standardizedFeatureLimit = 1e6

    public let featureCount: Int
    public let classCount: Int
    /// weights[class][feature], on standardised features.
    public private(set) var weights: [[Double]]
    public private(set) var biases: [Double]
    public private(set) var featureMeans: [Double]
    public private(set) var featureScales: [Double]

    /// An untrained model predicts the uniform distribution. At least one class is kept so
    /// that `predict` always has an answer.
    public init(featureCount: Int, classCount: Int) {
        self.featureCount = max(0, featureCount)
        self.classCount = max(1, classCount)
        self.weights = Array(repeating: Array(repeating: 0, count: self.featureCount), count: self.classCount)
        self.biases = Array(repeating: 0, count: self.classCount)
        self.featureMeans = Array(repeating: 0, count: self.featureCount)
        self.featureScales = Array(repeating: 1, count: self.featureCount)
    }

    /// Returns the final mean training cross-entropy and how many samples were skipped.
    ///
    /// Skipped (and counted): wrong feature count, label out of range, non-finite features,
    /// or a weight that is not finite and positive. Each call fits from scratch, because new standardisation statistics
    /// would give old weights a different meaning. The loss is the sample-weighted mean
    /// cross-entropy without the L2 term; with no usable sample the model is left unchanged and
    /// the loss is 0.
    @discardableResult
    public mutating func train(
        _ samples: [Sample],
        epochs: Int = 300,
        learningRate: Double = 0.5,
        l2: Double = 1e-4
    ) -> (loss: Double, skipped: Int) {
        let usable = samples.filter(isUsableForTraining)
        let skipped = samples.count - usable.count
        guard !usable.isEmpty else { return (0, skipped) }

        var fitted = SoftmaxRegression(featureCount: featureCount, classCount: classCount)
        (fitted.featureMeans, fitted.featureScales) = Self.standardization(of: usable, featureCount: featureCount)
        let inputs = usable.map { fitted.standardized($0.features) }
        let rate = learningRate.isFinite && learningRate > 0 ? learningRate : 0.5
        let penalty = l2.isFinite && l2 > 0 ? l2 : 0

        for _ in 0..<max(0, epochs) {
            fitted.descend(inputs: inputs, samples: usable, learningRate: rate, l2: penalty)
        }
        self = fitted
        return (fitted.meanCrossEntropy(inputs: inputs, samples: usable), skipped)
    }

    /// Uniform when the input has the wrong number of features, since nothing can be said.
    public func probabilities(_ x: [Double]) -> [Double] {
        guard x.count == featureCount else {
            return Array(repeating: 1 / Double(classCount), count: classCount)
        }
        return softmax(logits(standardized(x)))
    }

    /// Ties go to the lowest class index.
    public func predict(_ x: [Double]) -> Int {
        let p = probabilities(x)
        return p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) } ?? 0
    }

    /// Share of scorable samples (right feature count, label in range) whose label is
    /// predicted, unweighted; 0 when none can be scored.
    public static func accuracy(of model: SoftmaxRegression, on samples: [Sample]) -> Double {
        let scorable = samples.filter {
            $0.features.count == model.featureCount && (0..<model.classCount).contains($0.label)
        }
        guard !scorable.isEmpty else { return 0 }
        let correct = scorable.filter { model.predict($0.features) == $0.label }.count
        return Double(correct) / Double(scorable.count)
    }

    // MARK: - Training internals

    private func isUsableForTraining(_ sample: Sample) -> Bool {
        sample.features.count == featureCount
            && (0..<classCount).contains(sample.label)
            && sample.features.allSatisfy(\.isFinite)
            && sample.weight.isFinite && sample.weight > 0
    }

    /// Weighted so that a heavy sample counts as that many copies, consistent with the loss.
    private static func standardization(of samples: [Sample], featureCount: Int) -> (means: [Double], scales: [Double]) {
        let totalWeight = samples.reduce(0) { $0 + $1.weight }
        var sums = Array(repeating: 0.0, count: featureCount)
        for sample in samples {
            for f in 0..<featureCount { sums[f] += sample.weight * sample.features[f] }
        }
        let means = sums.map { $0.isFinite ? $0 / totalWeight : 0 }
        var squaredDeviationSums = Array(repeating: 0.0, count: featureCount)
        for sample in samples {
            for f in 0..<featureCount {
                let deviation = sample.features[f] - means[f]
                squaredDeviationSums[f] += sample.weight * deviation * deviation
            }
        }
        let scales = (0..<featureCount).map { f -> Double in
            let deviation = (squaredDeviationSums[f] / totalWeight).squareRoot()
            // Rounding leaves a constant feature with a spread of ~1e-14 rather than 0; dividing by
            // that would blow tiny input differences up into huge standardised values.
            let negligible = negligibleRelativeSpread * max(1, abs(means[f]))
            return deviation.isFinite && deviation > negligible ? deviation : 1
        }
        return (means, scales)
    }

    private mutating func descend(inputs: [[Double]], samples: [Sample], learningRate: Double, l2: Double) {
        var weightGradient = Array(repeating: Array(repeating: 0.0, count: featureCount), count: classCount)
        var biasGradient = Array(repeating: 0.0, count: classCount)
        var totalWeight = 0.0

        for (x, sample) in zip(inputs, samples) {
            let p = softmax(logits(x))
            for k in 0..<classCount {
                let residual = sample.weight * (p[k] - (k == sample.label ? 1 : 0))
                biasGradient[k] += residual
                for f in 0..<featureCount { weightGradient[k][f] += residual * x[f] }
            }
            totalWeight += sample.weight
        }

        for k in 0..<classCount {
            biases[k] -= learningRate * biasGradient[k] / totalWeight
            for f in 0..<featureCount {
                // The bias is left unpenalised so that class priors are not shrunk towards uniform.
                let gradient = weightGradient[k][f] / totalWeight + l2 * weights[k][f]
                weights[k][f] -= learningRate * gradient
            }
        }
    }

    private func meanCrossEntropy(inputs: [[Double]], samples: [Sample]) -> Double {
        var loss = 0.0
        var totalWeight = 0.0
        for (x, sample) in zip(inputs, samples) {
            let p = softmax(logits(x))
            // Floor at the smallest positive double so a confident mistake costs ~745, not infinity.
            loss -= sample.weight * log(max(p[sample.label], Double.leastNonzeroMagnitude))
            totalWeight += sample.weight
        }
        return loss / totalWeight
    }

    // MARK: - Scoring internals

    /// Non-finite inputs are treated as the training mean, i.e. as carrying no information.
    private func standardized(_ x: [Double]) -> [Double] {
        let limit = Self.standardizedFeatureLimit
        return x.indices.map { f in
            guard x[f].isFinite else { return 0 }
            // The difference itself can overflow to ±infinity for huge inputs; clamping maps it to the limit.
            let z = (x[f] - featureMeans[f]) / featureScales[f]
            return min(max(z, -limit), limit)
        }
    }

    private func logits(_ z: [Double]) -> [Double] {
        (0..<classCount).map { k in
            zip(weights[k], z).reduce(biases[k]) { $0 + $1.0 * $1.1 }
        }
    }
}

/// A spread this small relative to the feature's magnitude is rounding noise, not signal.
private let negligibleRelativeSpread = 1e-9

/// Subtracting the maximum keeps every exponent ≤ 0, so nothing overflows.
private func softmax(_ logits: [Double]) -> [Double] {
    guard let largest = logits.max(), largest.isFinite, logits.allSatisfy(\.isFinite) else {
        return Array(repeating: 1 / Double(max(1, logits.count)), count: logits.count)
    }
    let exponentials = logits.map { exp($0 - largest) }
    let total = exponentials.reduce(0, +)
    return exponentials.map { $0 / total }
}

import Foundation

/// Additive Holt-Winters with a damped trend, ETS(A,Ad,A) after Gardner & McKenzie,
/// updated one observation at a time.
///
/// The smoothing parameters follow the error-correction form used by Hyndman et al.
/// (Forecasting with Exponential Smoothing, 2008), with `beta` as the classical
/// Holt trend parameter (the trend moves by `alpha * beta * error`) and `gamma`
/// applied directly to the error (the seasonal slot moves by `gamma * error`).
/// That is the parametrisation in which the prediction-interval coefficients
/// c_j = α(1 + β·(φ + … + φ^j)) + γ·[j mod m = 0] hold.
public struct HoltWintersForecaster: Sendable, Equatable {

    public struct Parameters: Sendable, Equatable {
        /// Level smoothing. 0.3 follows a noisy 10 s request-rate mean within a few
        /// steps without chasing every spike.
        public var alpha: Double
        /// Trend smoothing, relative to `alpha`. Kept small because a trend read from
        /// a handful of noisy steps is mostly noise.
        public var beta: Double
        /// Seasonal smoothing. Must stay below 1 − alpha for the model to be forecastable;
        /// 0.1 lets a season settle after a few repetitions.
        public var gamma: Double
        /// Trend damping. 0.98 per step keeps short horizons close to linear while a
        /// 100-step horizon uses only about 43 steps' worth of trend.
        public var phi: Double
        /// Season length in steps; 0 or 1 means no seasonal component.
        public var seasonLength: Int

        public init(
            alpha: Double = 0.3,
            beta: Double = 0.1,
            gamma: Double = 0.1,
            phi: Double = 0.98,
            seasonLength: Int = 0
        ) {
            self.alpha = alpha
            self.beta = beta
            self.gamma = gamma
            self.phi = phi
            self.seasonLength = seasonLength
        }

        /// Defaults for a seasonal series. With the general defaults' livelier trend, the
        /// recursion is unstable for seasons of about 60 steps and more: the discount matrix has
        /// a spectral radius above 1, so a trend that keeps chasing the seasonal swing makes errors
        /// grow season after season. A weak, strongly damped trend with a faster seasonal gain keeps
        /// it below 1 up to m = 360, at the price of following ramps more sluggishly.
        public static func seasonal(length: Int) -> Parameters {
            Parameters(alpha: 0.2, beta: 0.05, gamma: 0.3, phi: 0.9, seasonLength: length)
        }

        /// Out-of-range values would make the recursions diverge silently, so they are
        /// pulled back into [0, 1] (non-finite ones fall back to the defaults).
        fileprivate var sanitized: Parameters {
            let defaults = Parameters()
            return Parameters(
                alpha: clampedUnit(alpha, fallback: defaults.alpha),
                beta: clampedUnit(beta, fallback: defaults.beta),
                gamma: clampedUnit(gamma, fallback: defaults.gamma),
                phi: clampedUnit(phi, fallback: defaults.phi),
                // 0 and 1 both mean "no season"; one spelling keeps equal models equal.
                seasonLength: seasonLength > 1 ? seasonLength : 0
            )
        }
    }

    public struct Point: Sendable, Equatable {
        public var mean: Double
        public var lower: Double
        public var upper: Double

        public init(mean: Double, lower: Double, upper: Double) {
            self.mean = mean
            self.lower = lower
            self.upper = upper
        }
    }

    /// Weight of the newest squared one-step error in the error-variance estimate.
    /// 0.05 averages over roughly the last 20 steps (about 3 minutes at 10 s steps),
    /// long enough to be stable and short enough to widen quickly when load turns erratic.
    public static let errorVarianceWeight = 0.05

    public let parameters: Parameters
    public private(set) var observations: Int = 0
    public private(set) var level: Double = 0
    public private(set) var trend: Double = 0
    /// One slot per step of the season, indexed by time mod season length; empty without a season.
    private var seasonal: [Double]
    /// Bias-corrected exponentially weighted mean: the running sums start at zero, so dividing
    /// by the accumulated weight keeps the first few estimates from being pulled towards zero.
    private var weightedSquaredErrorSum: Double = 0
    private var accumulatedErrorWeight: Double = 0

    public init(parameters: Parameters = .init()) {
        let sanitized = parameters.sanitized
        self.parameters = sanitized
        self.seasonal = Array(repeating: 0, count: sanitized.hasSeason ? sanitized.seasonLength : 0)
    }

    /// Variance of one-step-ahead errors; nil until the second observation produced an error.
    public var oneStepErrorVariance: Double? {
        accumulatedErrorWeight > 0 ? weightedSquaredErrorSum / accumulatedErrorWeight : nil
    }

    public mutating func observe(_ y: Double) {
        guard y.isFinite else { return }
        defer { observations += 1 }
        guard observations > 0 else {
            level = y
            return
        }
        let time = observations
        let seasonalTerm = seasonalValue(at: time)
        let dampedTrend = parameters.phi * trend
        let error = y - (level + dampedTrend + seasonalTerm)

        level = level + dampedTrend + parameters.alpha * error
        trend = dampedTrend + parameters.alpha * parameters.beta * error
        if let slot = seasonSlot(at: time) {
            seasonal[slot] += parameters.gamma * error
        }
        recordError(error)
    }

    /// Forecasts for 1...steps ahead of the last observation; empty before any observation.
    public func forecast(steps: Int, z: Double = 1.2816) -> [Point] {
        guard observations > 0, steps > 0 else { return [] }
        let lastTime = observations - 1
        let variance = oneStepErrorVariance ?? 0
        let width = z.isFinite ? abs(z) : 0
        var dampingSum = 0.0      // φ + … + φ^h
        var dampingPower = 1.0    // φ^h
        var errorMultiplier = 1.0 // 1 + Σ_{j<h} c_j², updated one j behind h
        var points: [Point] = []
        points.reserveCapacity(steps)
        for h in 1...steps {
            dampingPower *= parameters.phi
            dampingSum += dampingPower
            let mean = level + dampingSum * trend + seasonalValue(at: lastTime + h)
            let spread = width * (variance * errorMultiplier).squareRoot()
            points.append(Point(mean: mean, lower: mean - spread, upper: mean + spread))
            // c_h uses φ + … + φ^h, which is exactly the sum just accumulated for step h.
            let coefficient = intervalCoefficient(step: h, dampingSum: dampingSum)
            errorMultiplier += coefficient * coefficient
        }
        return points
    }

    private func intervalCoefficient(step: Int, dampingSum: Double) -> Double {
        let seasonalShare = parameters.hasSeason && step % parameters.seasonLength == 0 ? parameters.gamma : 0
        return parameters.alpha * (1 + parameters.beta * dampingSum) + seasonalShare
    }

    private func seasonSlot(at time: Int) -> Int? {
        parameters.hasSeason ? time % parameters.seasonLength : nil
    }

    private func seasonalValue(at time: Int) -> Double {
        seasonSlot(at: time).map { seasonal[$0] } ?? 0
    }

    private mutating func recordError(_ error: Double) {
        let weight = Self.errorVarianceWeight
        weightedSquaredErrorSum = (1 - weight) * weightedSquaredErrorSum + weight * error * error
        accumulatedErrorWeight = (1 - weight) * accumulatedErrorWeight + weight
    }
}

extension HoltWintersForecaster.Parameters {
    fileprivate var hasSeason: Bool { seasonLength > 1 }
}

private func clampedUnit(_ value: Double, fallback: Double) -> Double {
    value.isFinite ? min(max(value, 0), 1) : fallback
}

import Foundation

/// Rolling-origin evaluation of the forecaster against two cheap baselines.
public enum ForecastBacktest {

    public struct Score: Sendable, Equatable {
        /// Mean absolute errors of the h-step-ahead forecasts; 0 when `count` is 0.
        public var holtWinters: Double
        public var naive: Double
        public var movingAverage: Double
        /// The forecaster the advisor reads: whichever of Holt-Winters, the last value and the
        /// daily profile has the least running error (`ForecastSelector`).
        public var selected: Double = 0
        /// Share of actuals inside the Holt-Winters band.
        public var coverage: Double
        public var count: Int

        public init(holtWinters: Double, naive: Double, movingAverage: Double, coverage: Double, count: Int, selected: Double = 0) {
            self.holtWinters = holtWinters
            self.naive = naive
            self.movingAverage = movingAverage
            self.coverage = coverage
            self.count = count
            self.selected = selected
        }
    }

    /// For each t after `warmUp` steps, forecast h steps ahead from the data up to t and compare
    /// with series[t+h]; naive = last value; movingAverage = mean of the last `window` values.
    /// Non-finite values are skipped both as history and as actuals, mirroring `observe`.
    public static func score(
        _ series: [Double],
        parameters: HoltWintersForecaster.Parameters,
        horizon h: Int,
        warmUp: Int,
        window: Int = 6
    ) -> Score {
        guard h > 0 else { return Score(holtWinters: 0, naive: 0, movingAverage: 0, coverage: 0, count: 0) }
        let windowSize = max(1, window)
        var forecaster = HoltWintersForecaster(parameters: parameters)
        var selector = ForecastSelector(seasonLength: forecaster.parameters.seasonLength)
        var recent: [Double] = []
        var totals = ErrorTotals()

        for (t, value) in series.enumerated() {
            forecaster.observe(value)
            selector.observe(value, model: forecaster)
            if value.isFinite {
                recent.append(value)
                if recent.count > windowSize { recent.removeFirst() }
            }
            let target = t + h
            guard t + 1 >= warmUp, target < series.count, series[target].isFinite,
                  let last = recent.last,
                  let point = forecaster.forecast(steps: h).last else { continue }
            let movingAverage = recent.reduce(0, +) / Double(recent.count)
            let chosen = selector.forecast(forecaster, steps: h).last?.mean ?? point.mean
            totals.add(actual: series[target], forecast: point, naive: last, movingAverage: movingAverage, selected: chosen)
        }
        return totals.score
    }

    private struct ErrorTotals {
        var holtWinters = 0.0
        var naive = 0.0
        var movingAverage = 0.0
        var selected = 0.0
        var covered = 0
        var count = 0

        mutating func add(actual: Double, forecast: HoltWintersForecaster.Point, naive: Double, movingAverage: Double, selected: Double) {
            holtWinters += abs(actual - forecast.mean)
            self.selected += abs(actual - selected)
            self.naive += abs(actual - naive)
            self.movingAverage += abs(actual - movingAverage)
            if forecast.lower <= actual && actual <= forecast.upper { covered += 1 }
            count += 1
        }

        var score: Score {
            guard count > 0 else { return Score(holtWinters: 0, naive: 0, movingAverage: 0, coverage: 0, count: 0) }
            let n = Double(count)
            return Score(
                holtWinters: holtWinters / n,
                naive: naive / n,
                movingAverage: movingAverage / n,
                coverage: Double(covered) / n,
                count: count,
                selected: selected / n
            )
        }
    }
}

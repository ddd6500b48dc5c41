import FleetCore
import Foundation
import Testing
@testable import Scheduler

@Suite("HoltWintersForecaster")
struct HoltWintersForecasterTests {

    @Test func constantSeriesForecastsTheConstantWithANarrowBand() {
        let forecaster = fed(Array(repeating: 42, count: 50))
        let points = forecaster.forecast(steps: 10)
        #expect(points.count == 10)
        for point in points {
            #expect(abs(point.mean - 42) < 1e-9)
            #expect(point.upper - point.lower < 1e-9)
        }
    }

    @Test func bandIsJustTheMeanBeforeAnyError() {
        let forecaster = fed([7])
        #expect(forecaster.oneStepErrorVariance == nil)
        #expect(forecaster.forecast(steps: 3) == Array(repeating: .init(mean: 7, lower: 7, upper: 7), count: 3))
        #expect(HoltWintersForecaster().forecast(steps: 3).isEmpty)
    }

    @Test func linearRampIsFollowedWithTheSteadyStateDampedTrend() {
        let slope = 2.0
        let ramp = (0..<500).map { 10 + slope * Double($0) }
        let parameters = HoltWintersForecaster.Parameters()
        let forecaster = fed(ramp, parameters: parameters)
        let last = ramp[ramp.count - 1]

        // Steady state of b = φb + αβe with l rising by the slope each step: b = s / (φ + (1 − φ)/β).
        let expectedTrend = slope / (parameters.phi + (1 - parameters.phi) / parameters.beta)
        #expect(abs(forecaster.trend - expectedTrend) < 1e-3 * slope)

        let points = forecaster.forecast(steps: 5)
        let dampingSum = (1...5).reduce(0.0) { $0 + pow(parameters.phi, Double($1)) }
        #expect(abs(points[4].mean - (forecaster.level + dampingSum * forecaster.trend)) < 1e-9)
        #expect(points[0].mean > last)
        #expect(abs(points[0].mean - (last + slope)) < slope)
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.mean < $1.mean })
    }

    @Test func dampingMakesFarHorizonsGrowLessThanLinearly() {
        let forecaster = fed((0..<300).map { Double($0) })
        let points = forecaster.forecast(steps: 100)
        let nearGain = points[49].mean - forecaster.level
        let farGain = points[99].mean - points[49].mean
        #expect(farGain > 0)
        #expect(farGain < 0.5 * nearGain)
        #expect(points[99].mean - forecaster.level < 100 * forecaster.trend * 0.5)
    }

    @Test func bandCoversAboutTheNominalShareOfHeldOutNoise() {
        var random = SeededRandom(seed: 7)
        let series = (0..<1500).map { _ in 100 + 5 * random.standardNormal() }
        for horizon in [1, 3] {
            let score = ForecastBacktest.score(series, parameters: .init(), horizon: horizon, warmUp: 100)
            #expect(score.count == 1500 - 100 + 1 - horizon)
            #expect((0.65...0.95).contains(score.coverage), "horizon \(horizon): coverage \(score.coverage)")
        }
    }

    @Test func pureSeasonIsForecastOneSeasonAheadFarBetterThanNaive() {
        let period = 12
        let series = (0..<(period * 10)).map { 50 + 10 * sin(2 * Double.pi * Double($0) / Double(period)) }
        let forecaster = fed(series, parameters: .seasonal(length: period))
        let actualNextSeason = (series.count..<(series.count + period)).map {
            50 + 10 * sin(2 * Double.pi * Double($0) / Double(period))
        }
        let forecasts = forecaster.forecast(steps: period).map(\.mean)
        let last = series[series.count - 1]
        let holtWintersError = meanAbsoluteError(forecasts, actualNextSeason)
        let naiveError = meanAbsoluteError(Array(repeating: last, count: period), actualNextSeason)
        #expect(holtWintersError < 0.1 * naiveError, "HW \(holtWintersError) vs naive \(naiveError)")
    }

    @Test func seasonalPresetStaysBoundedOnALongSeason() {
        // The general defaults diverge here (errors of ~60 on an amplitude of 10 after 80 seasons).
        let period = 60
        let wave = { (t: Int) in 50 + 10 * sin(2 * Double.pi * Double(t) / Double(period)) }
        let series = (0..<(period * 80)).map(wave)
        let forecasts = fed(series, parameters: .seasonal(length: period)).forecast(steps: period).map(\.mean)
        let actual = (series.count..<(series.count + period)).map(wave)
        #expect(meanAbsoluteError(forecasts, actual) < 5)
    }

    @Test func seasonLengthOneMeansNoSeason() {
        let series = (0..<40).map { Double($0 % 2) }
        #expect(fed(series, parameters: .init(seasonLength: 1)) == fed(series, parameters: .init(seasonLength: 0)))
    }

    @Test func backtestOnARampShowsHoltWintersBeatingBothBaselines() {
        let ramp = (0..<200).map { 3 * Double($0) }
        let score = ForecastBacktest.score(ramp, parameters: .init(), horizon: 5, warmUp: 20)
        #expect(score.count == 200 - 20 + 1 - 5)
        #expect(score.holtWinters < 0.5 * score.naive)
        #expect(score.naive < score.movingAverage)
    }

    @Test func backtestWithoutComparableTargetsIsEmpty() {
        let empty = ForecastBacktest.Score(holtWinters: 0, naive: 0, movingAverage: 0, coverage: 0, count: 0)
        #expect(ForecastBacktest.score([1, 2, 3], parameters: .init(), horizon: 5, warmUp: 1) == empty)
        #expect(ForecastBacktest.score([1, 2, 3], parameters: .init(), horizon: 0, warmUp: 1) == empty)
    }

    @Test func nonFiniteObservationsAreIgnored() {
        let clean = [1.0, 4, 2, 8, 5, 7]
        var dirty: [Double] = []
        for value in clean { dirty += [value, .nan, .infinity, -.infinity] }
        let fromDirty = fed(dirty)
        #expect(fromDirty == fed(clean))
        #expect(fromDirty.observations == clean.count)
        #expect(fromDirty.forecast(steps: 4).allSatisfy { $0.mean.isFinite && $0.lower.isFinite && $0.upper.isFinite })
    }

    @Test func outOfRangeParametersAreClamped() {
        let forecaster = HoltWintersForecaster(parameters: .init(alpha: 3, beta: -1, gamma: .nan, phi: 2, seasonLength: -4))
        #expect(forecaster.parameters == .init(alpha: 1, beta: 0, gamma: 0.1, phi: 1, seasonLength: 0))
    }

    @Test func identicalInputsGiveIdenticalForecasts() {
        var first = SeededRandom(seed: 99)
        var second = SeededRandom(seed: 99)
        let a = (0..<300).map { _ in 20 + first.standardNormal() }
        let b = (0..<300).map { _ in 20 + second.standardNormal() }
        let parameters = HoltWintersForecaster.Parameters(seasonLength: 24)
        #expect(a == b)
        #expect(fed(a, parameters: parameters) == fed(b, parameters: parameters))
        #expect(fed(a, parameters: parameters).forecast(steps: 30) == fed(b, parameters: parameters).forecast(steps: 30))
    }
}

private func fed(_ series: [Double], parameters: HoltWintersForecaster.Parameters = .init()) -> HoltWintersForecaster {
    var forecaster = HoltWintersForecaster(parameters: parameters)
    for value in series { forecaster.observe(value) }
    return forecaster
}

private func meanAbsoluteError(_ forecasts: [Double], _ actuals: [Double]) -> Double {
    zip(forecasts, actuals).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(actuals.count)
}

/// The forecaster the advisor reads: whichever of Holt-Winters, the last value and the daily
/// profile has done best lately.
@Suite struct ForecastSelectorTests {
    /// Mean absolute error h = 60 steps ahead of `series`, for the selector and for naive.
    static func errors(_ series: [Double], season: Int) -> (selected: Double, naive: Double, holtWinters: Double, choice: ForecastSelector.Choice) {
        var model = HoltWintersForecaster(parameters: .init(alpha: 0.5, beta: 0.3, gamma: 0, phi: 0.9))
        var selector = ForecastSelector(seasonLength: season)
        var s = 0.0, n = 0.0, hw = 0.0, count = 0
        for t in series.indices {
            model.observe(series[t])
            selector.observe(series[t], model: model)
            guard t + 60 < series.count, t > 240 else { continue }
            s += abs(series[t + 60] - selector.forecast(model, steps: 60).last!.mean)
            hw += abs(series[t + 60] - model.forecast(steps: 60).last!.mean)
            n += abs(series[t + 60] - series[t])
            count += 1
        }
        return (s / Double(count), n / Double(count), hw / Double(count), selector.choice)
    }

    @Test func stepsThatNoTrendForeseesLeaveItWithTheLastValue() {
        // Level shifts every 200 steps: a trend overshoots each one.
        var rng = SeededRandom(seed: 3)
        var level = 100.0
        let series = (0..<3000).map { t -> Double in
            if t % 200 == 0 { level = 60 + 80 * rng.unit() }
            return level + rng.standardNormal()
        }
        let e = Self.errors(series, season: 0)
        #expect(e.holtWinters > e.naive)
        #expect(e.selected <= e.naive * 1.05, "\(e)")
        #expect(e.choice == .lastValue)
    }

    @Test func aSteadyRampKeepsTheTrend() {
        var rng = SeededRandom(seed: 4)
        let series = (0..<1500).map { Double($0) * 0.5 + rng.standardNormal() }
        let e = Self.errors(series, season: 0)
        #expect(e.choice == .holtWinters)
        #expect(e.selected <= e.holtWinters * 1.001 && e.selected < e.naive, "\(e)")
    }

    @Test func aRepeatingDayIsForecastFromYesterday() {
        // A "day" of 300 steps: a ramp up and a fall, the same every day, with noise.
        var rng = SeededRandom(seed: 5)
        let series = (0..<1800).map { t -> Double in
            let phase = Double(t % 300) / 300
            return 50 + 40 * (phase < 0.5 ? phase * 2 : 2 - phase * 2) + rng.standardNormal()
        }
        let e = Self.errors(series, season: 300)
        #expect(e.choice == .dailyProfile, "\(e)")
        #expect(e.selected < e.naive * 0.6 && e.selected < e.holtWinters, "\(e)")
    }
}

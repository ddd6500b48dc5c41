import DequeModule

/// Keeps one series' forecast honest: beside the Holt-Winters model, two cheap forecasters
/// (the last value, and yesterday's value at this time of day moved to today's level) each
/// forecast `horizon` steps ahead at every step, every forecast is scored when its time comes,
/// and the series is forecast by whichever has the least error over about the last hour. On a
/// ramp the trend wins; over the steps of a whole hour the last value may; after a day of
/// history, the daily profile knows the morning ramp before it starts. So over whole hours the
/// forecast is never much worse than "like now" (Docs/advisor.md, "The forecast").
struct ForecastSelector: Sendable {
    enum Choice: Int, Sendable, CaseIterable {
        case holtWinters, lastValue, dailyProfile
    }

    /// Steps ahead a forecast is scored at: ten minutes, the what-ifs' horizon.
    static let horizon = 60
    /// Weight of the newest error in each running mean: about an hour of ten-second steps.
    static let errorWeight = 1.0 / 120
    /// Scored forecasts before the choice may leave Holt-Winters.
    static let minimumScored = 30
    /// How much better a challenger must be to take over (relative): the choice does not flap
    /// between two forecasters that are as good.
    static let margin = 0.05

    let seasonLength: Int
    private(set) var choice = Choice.holtWinters
    private(set) var errors = [Double](repeating: 0, count: Choice.allCases.count)
    /// Forecasts scored per forecaster (the daily profile has none before a day of history).
    private(set) var scored = [Int](repeating: 0, count: Choice.allCases.count)
    /// Forecasts made `horizon` steps ago and not yet scored, oldest first.
    private var pending = Deque<[Double?]>()
    /// The last `seasonLength + horizon` values, for the daily profile.
    private var history = Deque<Double>()

    init(seasonLength: Int) { self.seasonLength = seasonLength }

    /// After the model has seen `y`: scores what was forecast for now, forecasts now + horizon.
    mutating func observe(_ y: Double, model: HoltWintersForecaster) {
        guard y.isFinite else { return }
        if pending.count >= Self.horizon, let due = pending.popFirst() {
            for c in Choice.allCases {
                guard let f = due[c.rawValue] else { continue }
                let e = abs(y - f)
                errors[c.rawValue] = scored[c.rawValue] == 0 ? e : errors[c.rawValue] + Self.errorWeight * (e - errors[c.rawValue])
                scored[c.rawValue] += 1
            }
            choose()
        }
        history.append(y)
        if history.count > seasonLength + Self.horizon { history.removeFirst() }
        let hw = model.forecast(steps: Self.horizon).last?.mean
        pending.append([hw, y, profileOffset().flatMap { profile(steps: Self.horizon, offset: $0) }])
    }

    private mutating func choose() {
        let ready = Choice.allCases.filter { scored[$0.rawValue] >= Self.minimumScored }
        guard let best = ready.min(by: { errors[$0.rawValue] < errors[$1.rawValue] }), scored[choice.rawValue] >= Self.minimumScored else { return }
        if errors[best.rawValue] < errors[choice.rawValue] * (1 - Self.margin) { choice = best }
    }

    /// How far today's last hour sits above yesterday's same hour; nil before a day of history.
    func profileOffset() -> Double? {
        guard seasonLength > 0, history.count >= seasonLength + 1 else { return nil }
        let now = history.count - 1
        let yesterday = now - seasonLength
        let window = min(360, yesterday + 1)
        var today = 0.0, then = 0.0
        for k in 0..<window { today += history[now - k]; then += history[yesterday - k] }
        return (today - then) / Double(window)
    }

    /// Yesterday's value `steps` from now, moved by `offset`; nil where the history ends.
    func profile(steps: Int, offset: Double) -> Double? {
        let index = history.count - 1 - seasonLength + steps
        guard steps <= Self.horizon, index >= 0, index < history.count else { return nil }
        return history[index] + offset
    }

    /// The chosen forecaster's points 1...steps ahead, with the Holt-Winters band's width
    /// around them (the band is the model's estimate of its own error; the cheap forecasters
    /// have none of their own).
    func forecast(_ model: HoltWintersForecaster, steps: Int) -> [HoltWintersForecaster.Point] {
        let points = model.forecast(steps: steps)
        switch choice {
        case .holtWinters:
            return points
        case .lastValue:
            guard let last = history.last else { return points }
            return points.map { .init(mean: last, lower: last - ($0.mean - $0.lower), upper: last + ($0.upper - $0.mean)) }
        case .dailyProfile:
            guard let offset = profileOffset() else { return points }
            return points.enumerated().map { i, p in
                guard let m = profile(steps: min(i + 1, Self.horizon), offset: offset) else { return p }
                return .init(mean: m, lower: m - (p.mean - p.lower), upper: m + (p.upper - p.mean))
            }
        }
    }
}

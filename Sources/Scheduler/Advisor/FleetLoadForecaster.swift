import FleetCore

/// The advisor's load forecast: per pool, ten-second means of the live arrival rate, queue
/// depth and KV-cache use, each fed online to its own Holt-Winters model
/// ([advisor.md](../../../Docs/advisor.md) says why this model). Works on any source's
/// snapshots: a simulation, a watched fleet, a replay.
public struct FleetLoadForecaster: Sendable {
    /// Seconds per forecast step: long enough to average out a second's Poisson noise, short
    /// enough to see a ramp within a minute.
    public static let step = 10.0
    /// Steps shown ahead: 15 minutes.
    public static let horizonSteps = 90
    /// A gap longer than this many steps (a paused source, a seek) restarts a pool's models.
    static let maximumGap = 30

    struct Series: Sendable {
        var model: HoltWintersForecaster
        var selector: ForecastSelector
        var sum = 0.0
        var count = 0
        var last: Double?

        init(model: HoltWintersForecaster) {
            self.model = model
            selector = ForecastSelector(seasonLength: model.parameters.seasonLength)
        }

        mutating func add(_ y: Double) {
            model.observe(y)
            selector.observe(y, model: model)
        }

        func forecast(steps: Int) -> [HoltWintersForecaster.Point] { selector.forecast(model, steps: steps) }

        mutating func flush(filling gap: Int) {
            guard count > 0 else { return }
            let mean = sum / Double(count)
            // Missed buckets (the loop was busy) hold the value on both sides of the gap.
            for _ in 0..<gap { add(last ?? mean) }
            add(mean)
            last = mean
            sum = 0
            count = 0
        }
    }

    struct PoolSeries: Sendable {
        var arrival: Series
        var waiting: Series
        var kvCache: Series
        var isGPU: Bool
    }

    public let parameters: HoltWintersForecaster.Parameters
    private var pools: [String: PoolSeries] = [:]
    private var order: [String] = []
    private var bucket: Int?

    public init(parameters: HoltWintersForecaster.Parameters = FleetLoadForecaster.defaultParameters) {
        self.parameters = parameters
    }

    /// Chosen by the backtest in `fleetdeck bench forecast` (Docs/advisor.md): a daily season
    /// of 8,640 ten-second steps, a quick level, a damped trend.
    public static let defaultParameters = HoltWintersForecaster.Parameters(
        alpha: 0.5, beta: 0.3, gamma: 0.05, phi: 0.9, seasonLength: 8_640)

    public mutating func observe(_ snapshot: FleetSnapshot) {
        let b = Int((snapshot.time / Self.step).rounded(.down))
        if let current = bucket, b != current {
            let gap = b - current - 1
            if gap < 0 || gap > Self.maximumGap {
                pools = [:]
                order = []
            } else {
                for id in order {
                    pools[id]?.arrival.flush(filling: gap)
                    pools[id]?.waiting.flush(filling: gap)
                    pools[id]?.kvCache.flush(filling: gap)
                }
            }
        }
        bucket = b
        for p in snapshot.pools {
            if pools[p.id] == nil {
                let fresh = Series(model: HoltWintersForecaster(parameters: parameters))
                pools[p.id] = PoolSeries(arrival: fresh, waiting: fresh, kvCache: fresh, isGPU: p.kind == .gpu)
                order.append(p.id)
            }
            let live = snapshot.nodes.filter { $0.pool == p.id && $0.state != .down }
            let kv = live.isEmpty ? 0 : live.reduce(0) { $0 + $1.kvCacheUsage } / Double(live.count)
            pools[p.id]!.arrival.accumulate(p.arrivalRate)
            pools[p.id]!.waiting.accumulate(Double(p.waiting))
            pools[p.id]!.kvCache.accumulate(kv)
        }
    }

    /// Which forecaster each pool's arrival rate is read from now, for the screens and docs.
    public var arrivalForecasters: [(pool: String, forecaster: String)] {
        order.compactMap { id in pools[id].map { (id, "\($0.arrival.selector.choice)") } }
    }

    /// Seconds of load the forecast has seen: the least over the pools (0 before any).
    public var observedSeconds: Double {
        let counts = order.compactMap { pools[$0]?.arrival.model.observations }
        return Double(counts.min() ?? 0) * Self.step
    }

    /// Every pool's forecast `steps` ahead, clamped to what the series can be (rates and
    /// queues at least 0, cache use within 0...1).
    public func forecasts(steps: Int = FleetLoadForecaster.horizonSteps) -> [PoolForecast] {
        order.compactMap { id in
            guard let p = pools[id], p.arrival.model.observations > 0 else { return nil }
            return PoolForecast(pool: id,
                                arrivalRate: Self.band(p.arrival, steps: steps, within: 0...Double.infinity),
                                waiting: Self.band(p.waiting, steps: steps, within: 0...Double.infinity),
                                kvCacheUsage: p.isGPU ? Self.band(p.kvCache, steps: steps, within: 0...1)
                                    : ForecastBand(step: Self.step, mean: [], lower: [], upper: []))
        }
    }

    static func band(_ series: Series, steps: Int, within range: ClosedRange<Double>) -> ForecastBand {
        let points = series.forecast(steps: steps)
        func clamp(_ v: Double) -> Double { min(range.upperBound, max(range.lowerBound, v)) }
        return ForecastBand(step: step, mean: points.map { clamp($0.mean) }, lower: points.map { clamp($0.lower) },
                            upper: points.map { clamp($0.upper) })
    }

    /// The fleet's load over the next `steps` relative to now: the summed arrival forecast of
    /// every pool over its first step. Flat until a minute of data has been seen.
    public func growth(steps: Int) -> [Double] {
        let fs = order.compactMap { pools[$0] }.filter { $0.arrival.model.observations >= 6 }
        guard !fs.isEmpty else { return Array(repeating: 1, count: steps) }
        var total = Array(repeating: 0.0, count: steps)
        for p in fs {
            for (i, point) in p.arrival.forecast(steps: steps).enumerated() { total[i] += max(0, point.mean) }
        }
        guard let first = total.first, first > 1e-9 else { return Array(repeating: 1, count: steps) }
        return total.map { $0 / first }
    }
}

extension FleetLoadForecaster.Series {
    /// Into the bucket being filled (the ten-second mean), not yet the model.
    mutating func accumulate(_ v: Double) {
        guard v.isFinite else { return }
        sum += v
        count += 1
    }
}

/// The fleet's offered rate over time, in requests per second: what a what-if fork's arrivals
/// follow (`FleetSimulator.follow`). Rates are at `start`, `start + step`, ...; between them
/// the rate is interpolated, and it holds the last value past the end.
public struct ArrivalPath: Sendable, Equatable {
    public var start: Double
    public var step: Double
    public var rates: [Double]

    public init(start: Double, step: Double, rates: [Double]) {
        self.start = start
        self.step = max(step, 1e-9)
        self.rates = rates.map { $0.isFinite ? max(0, $0) : 0 }
    }

    public func rate(at time: Double) -> Double {
        guard let first = rates.first else { return 0 }
        let x = (time - start) / step
        guard x > 0 else { return first }
        let i = Int(x)
        guard i + 1 < rates.count else { return rates[rates.count - 1] }
        let f = x - Double(i)
        return rates[i] * (1 - f) + rates[i + 1] * f
    }

    public var peak: Double { rates.max() ?? 0 }
}

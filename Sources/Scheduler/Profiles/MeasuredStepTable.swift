/// Step times measured on real hardware, interpolated: prefill time by the tokens in the step,
/// decode time by batch size and context length. Between points the tables are linear; past
/// the last point they continue along the last segment (never downwards), which is what a
/// bandwidth- or compute-bound step does.
public struct MeasuredStepTable: Sendable, Equatable {
    /// Prefill: tokens in the step (batch x tokens) -> seconds.
    public var prefill: PiecewiseLinear
    /// Decode: one curve over batch size per measured context length, contexts ascending.
    public var decodeContexts: [Double]
    public var decodeByBatch: [PiecewiseLinear]
    /// The least step time in the tables: what every step pays whatever it does (in eager
    /// execution, the kernel launches).
    public var floor: Double

    public init(prefill: [(tokens: Double, seconds: Double)], decode: [(batch: Double, context: Double, seconds: Double)]) {
        self.prefill = PiecewiseLinear(points: prefill.map { ($0.tokens, $0.seconds) })
        let contexts = Set(decode.map(\.context)).sorted()
        decodeContexts = contexts
        decodeByBatch = contexts.map { c in
            PiecewiseLinear(points: decode.filter { $0.context == c }.map { ($0.batch, $0.seconds) })
        }
        floor = min(prefill.map(\.seconds).min() ?? .infinity, decode.map(\.seconds).min() ?? .infinity)
        if !floor.isFinite { floor = 0 }
    }

    public func prefillTime(tokens: Int) -> Double { prefill.value(at: Double(tokens)) }

    /// Linear across the two measured contexts around `context`, each read at `batch`.
    public func decodeTime(batch: Int, context: Double) -> Double {
        let b = Double(batch)
        guard decodeContexts.count > 1 else { return decodeByBatch.first?.value(at: b) ?? floor }
        var hi = 1
        while hi < decodeContexts.count - 1 && decodeContexts[hi] < context { hi += 1 }
        let c0 = decodeContexts[hi - 1], c1 = decodeContexts[hi]
        let t0 = decodeByBatch[hi - 1].value(at: b), t1 = decodeByBatch[hi].value(at: b)
        let f = max(0, (context - c0) / (c1 - c0))
        return max(min(t0, t1), t0 + (t1 - t0) * f)
    }

    /// A step that decodes `decodeSequences` and prefills `prefillTokens`: the decode step,
    /// plus what the prefill costs above the floor both already include.
    public func stepTime(prefillTokens: Int, decodeSequences: Int, contextTokens: Int) -> Double {
        guard decodeSequences > 0 else { return prefillTokens > 0 ? prefillTime(tokens: prefillTokens) : 0 }
        let meanContext = Double(contextTokens) / Double(decodeSequences)
        var t = decodeTime(batch: decodeSequences, context: meanContext)
        if prefillTokens > 0 { t += max(0, prefillTime(tokens: prefillTokens) - floor) }
        return t
    }
}

/// y(x) through sorted points, flat before the first, along the last segment's (non-negative)
/// slope after the last.
public struct PiecewiseLinear: Sendable, Equatable {
    public private(set) var xs: [Double]
    public private(set) var ys: [Double]

    public init(points: [(Double, Double)]) {
        // Repeated x (two runs of one shape): their mean.
        var merged: [(Double, Double, Int)] = []
        for (x, y) in points.sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, last.0 == x {
                merged[merged.count - 1] = (x, last.1 + y, last.2 + 1)
            } else {
                merged.append((x, y, 1))
            }
        }
        xs = merged.map(\.0)
        ys = merged.map { $0.1 / Double($0.2) }
    }

    public func value(at x: Double) -> Double {
        guard let first = xs.first else { return 0 }
        if x <= first || xs.count == 1 {
            return x <= first ? ys[0] : ys[0] * max(1, x / first)
        }
        var i = 1
        while i < xs.count - 1 && xs[i] < x { i += 1 }
        let slope = (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])
        if x > xs[i] { return ys[i] + max(0, slope) * (x - xs[i]) }
        return ys[i - 1] + slope * (x - xs[i - 1])
    }
}

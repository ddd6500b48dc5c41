import Foundation

/// SplitMix64: small, fast, and the same sequence on every platform for a seed, which is what
/// "the same seed gives the same run" needs (the system generator is not seedable).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Box-Muller yields normals in pairs: the second waits here.
    private var spareNormal: Double?

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so logarithms are safe.
    public mutating func unit() -> Double {
        Double((next() >> 11) + 1) / Double(1 << 53)
    }

    public mutating func exponential(rate: Double) -> Double {
        -log(unit()) / rate
    }

    public mutating func standardNormal() -> Double {
        if let z = spareNormal {
            spareNormal = nil
            return z
        }
        let r = sqrt(-2 * log(unit())), theta = 2 * .pi * unit()
        spareNormal = r * sin(theta)
        return r * cos(theta)
    }

    public mutating func chance(_ p: Double) -> Bool { unit() <= p }

    /// 1, 2, 3, ... with the given mean (>= 1): each one more with probability 1 - 1/mean.
    public mutating func geometric(mean: Double) -> Int {
        let more = 1 - 1 / max(1, mean)
        guard more > 0 else { return 1 }
        return 1 + Int(min(1e9, (log(unit()) / log(more)).rounded(.down)))
    }

    /// An independent stream derived from this one, so adding draws in one part of the model
    /// does not reshuffle every other part.
    public mutating func fork() -> SeededRandom { SeededRandom(seed: next()) }
}

extension SeededRandom {
    /// An index drawn with probability proportional to `weights` (the last on rounding).
    public mutating func pick(_ weights: [Double]) -> Int {
        var u = unit() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            u -= w
            if u <= 0 { return i }
        }
        return max(0, weights.count - 1)
    }
}

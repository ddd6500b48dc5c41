import FleetCore
import Foundation

/// Ranks 1...n with P(k) ∝ k^-s: which cached answer a request asks for, when a few questions
/// are asked very often and most rarely. Rejection-inversion (Hörmann and Derflinger, 1996):
/// O(1) per sample whatever n, no table.
struct ZipfSampler: Sendable {
    let n: Int
    let exponent: Double
    private let hIntegralX1: Double
    private let hIntegralN: Double
    private let squeeze: Double

    init(n: Int, exponent: Double) {
        precondition(n >= 1 && exponent > 0)
        self.n = n
        self.exponent = exponent
        hIntegralX1 = Self.hIntegral(1.5, exponent) - 1
        hIntegralN = Self.hIntegral(Double(n) + 0.5, exponent)
        squeeze = 2 - Self.hIntegralInverse(Self.hIntegral(2.5, exponent) - Self.h(2, exponent), exponent)
    }

    func sample(_ rng: inout SeededRandom) -> Int {
        while true {
            let u = hIntegralN + rng.unit() * (hIntegralX1 - hIntegralN)
            let x = Self.hIntegralInverse(u, exponent)
            let k = min(max(Int(x + 0.5), 1), n)
            if Double(k) - x <= squeeze || u >= Self.hIntegral(Double(k) + 0.5, exponent) - Self.h(Double(k), exponent) {
                return k
            }
        }
    }

    private static func h(_ x: Double, _ s: Double) -> Double { exp(-s * log(x)) }

    /// ∫ h: (x^(1-s) - 1) / (1 - s), and log x at s = 1, computed stably near both.
    private static func hIntegral(_ x: Double, _ s: Double) -> Double {
        let lx = log(x)
        return expm1OverX((1 - s) * lx) * lx
    }

    private static func hIntegralInverse(_ x: Double, _ s: Double) -> Double {
        let t = max(-1, x * (1 - s))
        return exp(log1pOverX(t) * x)
    }

    private static func expm1OverX(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x / 2 * (1 + x / 3 * (1 + x / 4))
    }

    private static func log1pOverX(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - x / 4))
    }
}

/// Elementwise functions on SIMD8<Float> for the forward pass's non-matrix work: the softmax of
/// attention and the SiLU of the feed-forward would otherwise be ~200,000 scalar expf calls per
/// token, a tenth of a decode step.
enum VectorMath {
    /// e^x to within ~2 ulp over [-87, 88] (Cephes' expf: range reduction by ln 2 in two
    /// parts, a degree-5 polynomial, the exponent set by bit arithmetic). Below -87 gives 0.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
        // Round to an integer by adding 1.5 x 2^23: the integer lands in the low mantissa
        // bits, read back by a bit cast (no conversion calls, which the optimiser may not inline).
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        var r = clamped - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        p = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
        return (p * scale).replacing(with: 0, where: x .< -87.3)
    }

    /// gate[i] = silu(gate[i]) * up[i], silu(z) = z / (1 + e^-z).
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        var i = 0
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        while i + 8 <= count {
            let z = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let v = u.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            g.storeBytes(of: z / (1 + exp(-z)) * v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            gate[i] = gate[i] / (1 + expf(-gate[i])) * up[i]
            i += 1
        }
    }

    /// A sum in a tree (SIMD8.sum() adds lane by lane, a chain of seven dependent adds).
    @inline(__always)
    static func sum(_ v: SIMD8<Float>) -> Float {
        let four = v.lowHalf + v.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}

#if canImport(Glibc)
import Glibc
#endif

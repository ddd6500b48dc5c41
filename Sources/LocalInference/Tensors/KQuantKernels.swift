/// ggml's "k-quants" in super-blocks of 256 values, as the common Q4_K_M and Q6_K files use
/// them. A block is dequantised into 256 floats and then multiplied like F32: simpler than
/// fused kernels, and these types are the runtime's second tier (SmolLM2's file is Q4_1).
///
/// Q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of packed 6-bit scales and mins for eight
/// 32-value sub-blocks, 128 bytes of nibbles (sub-block pairs share 32 bytes: low nibbles
/// the first, high nibbles the second); value = d*scale*q - dmin*min.
/// Q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales
/// (one per 16 values), f16 d; value = d*scale*(q - 32).
enum KQuantKernels {
    static let blockValues = 256

    /// Sub-block j's 6-bit scale and min from Q4_K's 12 packed bytes.
    @inline(__always)
    static func scaleMin(_ j: Int, _ q: UnsafeRawPointer) -> (scale: Float, min: Float) {
        func b(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (Float(b(j) & 63), Float(b(j + 4) & 63)) }
        return (Float((b(j + 4) & 0xF) | ((b(j - 4) >> 6) << 4)), Float((b(j + 4) >> 4) | ((b(j) >> 6) << 4)))
    }

    static func dequantizeQ4_K(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = Float(block.loadUnaligned(as: Float16.self))
        let dmin = Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self))
        let scales = block + 4
        let qs = block + 16
        for pair in 0..<4 {
            let (s1, m1) = scaleMin(2 * pair, scales)
            let (s2, m2) = scaleMin(2 * pair + 1, scales)
            let d1 = d * s1, o1 = dmin * m1, d2 = d * s2, o2 = dmin * m2
            let q = qs + 32 * pair
            let out = y + 64 * pair
            for l in 0..<32 {
                let byte = q.load(fromByteOffset: l, as: UInt8.self)
                out[l] = d1 * Float(byte & 0xF) - o1
                out[l + 32] = d2 * Float(byte >> 4) - o2
            }
        }
    }

    static func dequantizeQ6_K(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = Float(block.loadUnaligned(fromByteOffset: 208, as: Float16.self))
        for half in 0..<2 {
            let ql = block + 64 * half
            let qh = block + 128 + 32 * half
            let sc = block + 192 + 8 * half
            let out = y + 128 * half
            func scale(_ i: Int) -> Float { Float(sc.load(fromByteOffset: i, as: Int8.self)) }
            for l in 0..<32 {
                let group = l / 16
                let lo0 = ql.load(fromByteOffset: l, as: UInt8.self), lo1 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                let h = qh.load(fromByteOffset: l, as: UInt8.self)
                let q1 = Int((lo0 & 0xF) | ((h & 3) << 4)) - 32
                let q2 = Int((lo1 & 0xF) | (((h >> 2) & 3) << 4)) - 32
                let q3 = Int((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32
                let q4 = Int((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32
                out[l] = d * scale(group) * Float(q1)
                out[l + 32] = d * scale(group + 2) * Float(q2)
                out[l + 64] = d * scale(group + 4) * Float(q3)
                out[l + 96] = d * scale(group + 6) * Float(q4)
            }
        }
    }

    static func dequantize(_ type: GGMLType, _ row: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        let bytes = type.blockLayout!.bytes
        for b in 0..<count / blockValues {
            if type == .q4_K { dequantizeQ4_K(row + b * bytes, into: out + b * blockValues) }
            else { dequantizeQ6_K(row + b * bytes, into: out + b * blockValues) }
        }
    }

    /// Row · x, a super-block at a time through a stack buffer.
    static func dot(_ type: GGMLType, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blockValues) { buffer in
            let w = buffer.baseAddress!
            let bytes = type.blockLayout!.bytes
            var sum: Float = 0
            for b in 0..<count / blockValues {
                if type == .q4_K { dequantizeQ4_K(row + b * bytes, into: w) } else { dequantizeQ6_K(row + b * bytes, into: w) }
                sum += QuantizedKernels.dotF32(w, x + b * blockValues, count: blockValues)
            }
            return sum
        }
    }
}

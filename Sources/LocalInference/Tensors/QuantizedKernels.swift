/// The inner loops: dot products of one quantised row with a float vector, and dequantisation
/// of a row, for every supported block type. Written with SIMD8<Float> so that, built with
/// AVX2/FMA/F16C (Package.swift), each 32-value block is a handful of vector instructions.
///
/// Block layouts (ggml): Q8_0 = f16 d, 32 x int8, value q*d. Q4_0 = f16 d, 16 bytes of
/// nibbles, value (q-8)*d. Q4_1 = f16 d, f16 m, 16 bytes of nibbles, value q*d+m. In both Q4
/// types byte j holds element j in its low nibble and element j+16 in its high nibble.
enum QuantizedKernels {
    /// Per-32-block sums of x: the Q4 kernels fold the block's offset (m, or -8d) into one
    /// multiply by this sum instead of adding it to every element.
    static func blockSums(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<count / 32 {
            let p = UnsafeRawPointer(x + b * 32)
            var s = p.loadUnaligned(as: SIMD8<Float>.self)
            s += p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            s += p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
            s += p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
            out[b] = VectorMath.sum(s)
        }
    }

    /// Row · x. `sums` are x's block sums (needed by Q4_0 and Q4_1 only).
    @inline(__always)
    static func dot(_ type: GGMLType, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, count: Int) -> Float {
        switch type {
        case .q4_1: return dotQ4(row, x, sums, blocks: count / 32, hasMinimum: true)
        case .q4_0: return dotQ4(row, x, sums, blocks: count / 32, hasMinimum: false)
        case .q8_0: return dotQ8_0(row, x, blocks: count / 32)
        case .f16: return dotF16(row, x, count: count)
        case .f32: return dotF32(row.assumingMemoryBound(to: Float.self), x, count: count)
        case .q4_K, .q6_K: return KQuantKernels.dot(type, row, x, count: count)
        default: preconditionFailure("unsupported type \(type) reached a kernel")
        }
    }

    @inline(__always)
    static func nibbles(_ q: SIMD16<UInt8>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let lo = q & 0x0F
        let hi = q &>> 4
        return (SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: lo.lowHalf)),
                SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: lo.highHalf)),
                SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: hi.lowHalf)),
                SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: hi.highHalf)))
    }

    @inline(__always)
    static func load32(_ x: UnsafePointer<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let p = UnsafeRawPointer(x)
        return (p.loadUnaligned(as: SIMD8<Float>.self), p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self),
                p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self), p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
    }

    // The kernels below are kept small on purpose: in a larger function the optimiser stops
    // inlining the standard library's SIMD conversions, and each becomes a call per block
    // (bench infer fell from 64 to 10 tokens/s when these were unrolled by hand).
    static func dotQ4(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int, hasMinimum: Bool) -> Float {
        let stride = hasMinimum ? 20 : 18
        let qOffset = hasMinimum ? 4 : 2
        // Two accumulators, swapped every block: two independent FMA chains.
        var accA = SIMD8<Float>(), accB = SIMD8<Float>()
        var offsets: Float = 0
        var p = row
        var b = 0
        while b < blocks {
            let d = Float(p.loadUnaligned(as: Float16.self))
            let m = hasMinimum ? Float(p.loadUnaligned(fromByteOffset: 2, as: Float16.self)) : -8 * d
            let (w0, w1, w2, w3) = nibbles(p.loadUnaligned(fromByteOffset: qOffset, as: SIMD16<UInt8>.self))
            let (x0, x1, x2, x3) = load32(x + b * 32)
            var t = w0 * x0
            t.addProduct(w1, x1)
            t.addProduct(w2, x2)
            t.addProduct(w3, x3)
            accA.addProduct(SIMD8(repeating: d), t)
            swap(&accA, &accB)
            offsets += m * sums[b]
            p += stride
            b += 1
        }
        return VectorMath.sum(accA + accB) + offsets
    }

    @inline(__always)
    static func int8x32(_ p: UnsafeRawPointer) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let q = p.loadUnaligned(as: SIMD32<Int8>.self)
        let a = q.lowHalf, b = q.highHalf
        return (SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: a.lowHalf)), SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: a.highHalf)),
                SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: b.lowHalf)), SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: b.highHalf)))
    }

    static func dotQ8_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        var accA = SIMD8<Float>(), accB = SIMD8<Float>()
        var p = row
        var b = 0
        while b < blocks {
            let d = Float(p.loadUnaligned(as: Float16.self))
            let (w0, w1, w2, w3) = int8x32(p + 2)
            let (x0, x1, x2, x3) = load32(x + b * 32)
            var t = w0 * x0
            t.addProduct(w1, x1)
            t.addProduct(w2, x2)
            t.addProduct(w3, x3)
            accA.addProduct(SIMD8(repeating: d), t)
            swap(&accA, &accB)
            p += 34
            b += 1
        }
        return VectorMath.sum(accA + accB)
    }

    static func dotF16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let w = SIMD8<Float>(row.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<Float16>.self))
            acc.addProduct(w, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var s = VectorMath.sum(acc)
        while i < count {
            s += Float(row.loadUnaligned(fromByteOffset: i * 2, as: Float16.self)) * x[i]
            i += 1
        }
        return s
    }

    static func dotF32(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accA = SIMD8<Float>(), accB = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            accA.addProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self), UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            accB.addProduct(UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self), UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self))
            i += 16
        }
        var s = VectorMath.sum(accA + accB)
        while i < count {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// A row as floats (the batched path dequantises a tile of rows once and reuses it for
    /// every token of the batch).
    static func dequantize(_ type: GGMLType, _ row: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        let o = UnsafeMutableRawPointer(out)
        switch type {
        case .q4_0, .q4_1:
            let hasMinimum = type == .q4_1
            let stride = hasMinimum ? 20 : 18
            for b in 0..<count / 32 {
                let p = row + b * stride
                let d = Float(p.loadUnaligned(as: Float16.self))
                let m = hasMinimum ? Float(p.loadUnaligned(fromByteOffset: 2, as: Float16.self)) : -8 * d
                let (w0, w1, w2, w3) = nibbles(p.loadUnaligned(fromByteOffset: hasMinimum ? 4 : 2, as: SIMD16<UInt8>.self))
                let dv = SIMD8<Float>(repeating: d), mv = SIMD8<Float>(repeating: m)
                o.storeBytes(of: w0 * dv + mv, toByteOffset: b * 128, as: SIMD8<Float>.self)
                o.storeBytes(of: w1 * dv + mv, toByteOffset: b * 128 + 32, as: SIMD8<Float>.self)
                o.storeBytes(of: w2 * dv + mv, toByteOffset: b * 128 + 64, as: SIMD8<Float>.self)
                o.storeBytes(of: w3 * dv + mv, toByteOffset: b * 128 + 96, as: SIMD8<Float>.self)
            }
        case .q8_0:
            for b in 0..<count / 32 {
                let p = row + b * 34
                let dv = SIMD8<Float>(repeating: Float(p.loadUnaligned(as: Float16.self)))
                let (w0, w1, w2, w3) = int8x32(p + 2)
                o.storeBytes(of: w0 * dv, toByteOffset: b * 128, as: SIMD8<Float>.self)
                o.storeBytes(of: w1 * dv, toByteOffset: b * 128 + 32, as: SIMD8<Float>.self)
                o.storeBytes(of: w2 * dv, toByteOffset: b * 128 + 64, as: SIMD8<Float>.self)
                o.storeBytes(of: w3 * dv, toByteOffset: b * 128 + 96, as: SIMD8<Float>.self)
            }
        case .f16:
            for i in 0..<count { out[i] = Float(row.loadUnaligned(fromByteOffset: i * 2, as: Float16.self)) }
        case .f32:
            out.update(from: row.assumingMemoryBound(to: Float.self), count: count)
        case .q4_K, .q6_K:
            KQuantKernels.dequantize(type, row, count: count, into: out)
        default:
            preconditionFailure("unsupported type \(type) reached a kernel")
        }
    }
}

/// The inner loops: dot products of one quantised row with a float vector, and dequantisation
/// of a row, for every supported block type. Written with SIMD8<Float> so that, built with
/// AVX2/FMA/F16C (Package.swift), each 32-value block is a handful of vector instructions.
///
/// Block layouts (ggml): Q8_0 = f16 d, 32 x int8, value q*d. Q4_0 = f16 d, 16 bytes of
/// nibbles, value (q-8)*d. Q4_1 = f16 d, f16 m, 16 bytes of nibbles, value q*d+m. In both Q4
/// types byte j holds element j in its low nibble and element j+16 in its high nibble. The
/// k-quants (Q4_K, Q6_K) live in KQuantKernels.
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
    //
    // Block scales are read as four halves at once (the scale and the next three halves of the
    // block) and converted as a vector. A scalar Float16 load compiles to vpinsrw, which merges
    // into whatever register the allocator picked, often an accumulator: that put the scale's
    // conversion on the loop-carried chain and made every block wait ~15 cycles for the one
    // before it.

    /// The two weights in each byte of 8 nibble bytes, widened to Int32 lanes: elements j and
    /// j+16 of a Q4 block for the 8 bytes j starting at `p`.
    @inline(__always)
    static func nibbles8(_ p: UnsafeRawPointer) -> (SIMD8<Float>, SIMD8<Float>) {
        let q = SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD8<UInt8>.self))
        return (SIMD8<Float>(q & 0x0F), SIMD8<Float>(q &>> 4))
    }

    /// Σ w·x over one Q4 block's 32 weights (the scale and offset not applied), x in registers.
    @inline(__always)
    static func q4Block(_ q: UnsafeRawPointer, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>) -> SIMD8<Float> {
        let (w0, w2) = nibbles8(q)
        let (w1, w3) = nibbles8(q + 8)
        var t = w0 * x0
        t.addProduct(w1, x1)
        t.addProduct(w2, x2)
        t.addProduct(w3, x3)
        return t
    }

    /// Two consecutive rows of a Q4_1 matrix against x: each activation load serves both rows,
    /// and the two rows' chains are independent. Lane 1 of `off` collects m · Σx per block.
    static func dot2Q4_1(_ row: UnsafeRawPointer, rowBytes: Int, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int) -> (Float, Float) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var off0 = SIMD4<Float>(), off1 = SIMD4<Float>()
        var p = row
        for b in 0..<blocks {
            let (x0, x1, x2, x3) = load32(x + b * 32)
            let dm0 = SIMD4<Float>(p.loadUnaligned(as: SIMD4<Float16>.self))
            let dm1 = SIMD4<Float>(p.loadUnaligned(fromByteOffset: rowBytes, as: SIMD4<Float16>.self))
            let s = SIMD4<Float>(repeating: sums[b])
            acc0.addProduct(SIMD8(repeating: dm0[0]), q4Block(p + 4, x0, x1, x2, x3))
            acc1.addProduct(SIMD8(repeating: dm1[0]), q4Block(p + rowBytes + 4, x0, x1, x2, x3))
            off0.addProduct(dm0, s)
            off1.addProduct(dm1, s)
            p += 20
        }
        return (VectorMath.sum(acc0) + off0[1], VectorMath.sum(acc1) + off1[1])
    }

    /// dot2Q4_1 on two row pairs at once, from two places in the matrix: two sequential
    /// streams instead of one keep more cache misses in flight, which is what bounds the
    /// decode step once the arithmetic is cheap (~10% faster than one stream, single-threaded).
    static func dot2x2Q4_1(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, rowBytes: Int, _ x: UnsafePointer<Float>,
                           _ sums: UnsafePointer<Float>, blocks: Int) -> SIMD4<Float> {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        var offA = SIMD4<Float>(), offB = SIMD4<Float>()
        var p = a, q = b
        for i in 0..<blocks {
            let (x0, x1, x2, x3) = load32(x + i * 32)
            let dm0 = SIMD4<Float>(p.loadUnaligned(as: SIMD4<Float16>.self))
            let dm1 = SIMD4<Float>(p.loadUnaligned(fromByteOffset: rowBytes, as: SIMD4<Float16>.self))
            let dm2 = SIMD4<Float>(q.loadUnaligned(as: SIMD4<Float16>.self))
            let dm3 = SIMD4<Float>(q.loadUnaligned(fromByteOffset: rowBytes, as: SIMD4<Float16>.self))
            let s = SIMD4<Float>(repeating: sums[i])
            acc0.addProduct(SIMD8(repeating: dm0[0]), q4Block(p + 4, x0, x1, x2, x3))
            acc1.addProduct(SIMD8(repeating: dm1[0]), q4Block(p + rowBytes + 4, x0, x1, x2, x3))
            acc2.addProduct(SIMD8(repeating: dm2[0]), q4Block(q + 4, x0, x1, x2, x3))
            acc3.addProduct(SIMD8(repeating: dm3[0]), q4Block(q + rowBytes + 4, x0, x1, x2, x3))
            // (d, m) of two rows side by side: one FMA collects both rows' m · Σx.
            offA.addProduct(SIMD4(lowHalf: dm0.lowHalf, highHalf: dm1.lowHalf), s)
            offB.addProduct(SIMD4(lowHalf: dm2.lowHalf, highHalf: dm3.lowHalf), s)
            p += 20
            q += 20
        }
        return SIMD4(VectorMath.sum(acc0) + offA[1], VectorMath.sum(acc1) + offA[3],
                     VectorMath.sum(acc2) + offB[1], VectorMath.sum(acc3) + offB[3])
    }

    /// One row of Q4_0 or Q4_1 (the odd row out of dot2Q4_1, and Q4_0 matrices).
    static func dotQ4(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, blocks: Int, hasMinimum: Bool) -> Float {
        let stride = hasMinimum ? 20 : 18
        let qOffset = hasMinimum ? 4 : 2
        // Two accumulators, swapped every block: two independent FMA chains.
        var accA = SIMD8<Float>(), accB = SIMD8<Float>()
        var offA = SIMD4<Float>(), offB = SIMD4<Float>()
        var p = row
        for b in 0..<blocks {
            let (x0, x1, x2, x3) = load32(x + b * 32)
            let dm = SIMD4<Float>(p.loadUnaligned(as: SIMD4<Float16>.self))
            // Lane 1 is m for Q4_1; Q4_0's offset is -8d, taken from lane 0 below.
            accA.addProduct(SIMD8(repeating: dm[0]), q4Block(p + qOffset, x0, x1, x2, x3))
            offA.addProduct(dm, SIMD4(repeating: sums[b]))
            swap(&accA, &accB)
            swap(&offA, &offB)
            p += stride
        }
        let off = offA + offB
        return VectorMath.sum(accA + accB) + (hasMinimum ? off[1] : -8 * off[0])
    }

    @inline(__always)
    static func int8x32(_ p: UnsafeRawPointer) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        (SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD8<Int8>.self))),
         SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 8, as: SIMD8<Int8>.self))),
         SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int8>.self))),
         SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 24, as: SIMD8<Int8>.self))))
    }

    @inline(__always)
    static func q8Block(_ q: UnsafeRawPointer, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>) -> SIMD8<Float> {
        let (w0, w1, w2, w3) = int8x32(q)
        var t = w0 * x0
        t.addProduct(w1, x1)
        t.addProduct(w2, x2)
        t.addProduct(w3, x3)
        return t
    }

    /// The scales of a Q8_0 row as floats, scale b at out[2 * b]; `out` has room for
    /// 2 * blocks + 6 floats. Converting a lone Float16 is where the false dependency above
    /// bites (a Q8_0 block has no second half to keep the load a vector one), so the kernels
    /// convert the scales up front, four per conversion: each 32-bit load brings a scale and
    /// two weight bytes, and with every lane of the conversion used the optimiser cannot
    /// narrow it back to vpinsrw. The odd lanes are ignored.
    @inline(__always)
    static func q8Scales(_ row: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
        var b = 0
        while b < blocks {
            // Past the last block, repeat it rather than read beyond the row.
            @inline(__always) func word(_ i: Int) -> UInt32 {
                row.loadUnaligned(fromByteOffset: min(b + i, blocks - 1) * 34, as: UInt32.self)
            }
            let h = SIMD4<UInt32>(word(0), word(1), word(2), word(3))
            UnsafeMutableRawPointer(out + 2 * b).storeBytes(of: SIMD8<Float>(unsafeBitCast(h, to: SIMD8<Float16>.self)), as: SIMD8<Float>.self)
            b += 4
        }
    }

    /// Two consecutive rows of a Q8_0 matrix against x (see dot2Q4_1).
    static func dot2Q8_0(_ row: UnsafeRawPointer, rowBytes: Int, _ x: UnsafePointer<Float>, blocks: Int) -> (Float, Float) {
        let scaleStride = 2 * blocks + 6
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * scaleStride) { buffer in
            let d = buffer.baseAddress!
            q8Scales(row, blocks: blocks, into: d)
            q8Scales(row + rowBytes, blocks: blocks, into: d + scaleStride)
            var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
            var p = row + 2
            for b in 0..<blocks {
                let (x0, x1, x2, x3) = load32(x + b * 32)
                acc0.addProduct(SIMD8(repeating: d[2 * b]), q8Block(p, x0, x1, x2, x3))
                acc1.addProduct(SIMD8(repeating: d[scaleStride + 2 * b]), q8Block(p + rowBytes, x0, x1, x2, x3))
                p += 34
            }
            return (VectorMath.sum(acc0), VectorMath.sum(acc1))
        }
    }

    static func dotQ8_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * blocks + 6) { buffer in
            let d = buffer.baseAddress!
            q8Scales(row, blocks: blocks, into: d)
            var accA = SIMD8<Float>(), accB = SIMD8<Float>()
            var p = row + 2
            for b in 0..<blocks {
                let (x0, x1, x2, x3) = load32(x + b * 32)
                accA.addProduct(SIMD8(repeating: d[2 * b]), q8Block(p, x0, x1, x2, x3))
                swap(&accA, &accB)
                p += 34
            }
            return VectorMath.sum(accA + accB)
        }
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

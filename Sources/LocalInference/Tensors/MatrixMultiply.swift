/// Products of a weight matrix with activations, over a range of the matrix's rows so that the
/// caller can give each core its own rows.
enum MatrixMultiply {
    /// y[r] = W[r] · x for r in `rows`. `sums` are x's 32-block sums.
    static func vector(_ w: WeightMatrix, _ x: UnsafePointer<Float>, sums: UnsafePointer<Float>,
                       into y: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let type = w.type, k = w.columns, rowBytes = w.rowBytes, blocks = w.columns / 32
        var r = rows.lowerBound
        // Q4_1 takes two row pairs at a time, one from each half of what is left
        // (dot2x2Q4_1: two memory streams).
        if type == .q4_1 {
            let half = (rows.upperBound - r) / 4 * 2
            var i = 0
            while i < half {
                let v = QuantizedKernels.dot2x2Q4_1(w.row(r + i), w.row(r + half + i), rowBytes: rowBytes, x, sums, blocks: blocks)
                y[r + i] = v[0]
                y[r + i + 1] = v[1]
                y[r + half + i] = v[2]
                y[r + half + i + 1] = v[3]
                i += 2
            }
            r += 2 * half
        }
        // Then rows in pairs where a two-row kernel exists: half the activation loads per weight.
        if type == .q4_1 || type == .q8_0 {
            while r + 2 <= rows.upperBound {
                let (a, b) = type == .q4_1
                    ? QuantizedKernels.dot2Q4_1(w.row(r), rowBytes: rowBytes, x, sums, blocks: blocks)
                    : QuantizedKernels.dot2Q8_0(w.row(r), rowBytes: rowBytes, x, blocks: blocks)
                y[r] = a
                y[r + 1] = b
                r += 2
            }
        }
        while r < rows.upperBound {
            y[r] = QuantizedKernels.dot(type, w.row(r), x, sums, count: k)
            r += 1
        }
    }

    /// Rows dequantised at once into the caller's scratch, then reused for every token.
    static let tileRows = 4

    /// Y[t][r] = W[r] · X[t] for t in 0..<tokens, r in `rows`. X is tokens x columns, Y is
    /// tokens x `yStride`. `scratch` holds tileRows x columns floats, private to this call.
    ///
    /// A prompt's tokens share every weight: dequantising a row once and multiplying it with
    /// all tokens turns the memory-bound decode kernel into a compute-bound one. The micro
    /// kernel keeps 2 rows x 4 tokens of accumulators in registers.
    static func batch(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>,
                      yStride: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let k = w.columns
        var tile = rows.lowerBound
        while tile < rows.upperBound {
            let n = min(tileRows, rows.upperBound - tile)
            for i in 0..<n { w.dequantizeRow(tile + i, into: scratch + i * k) }
            var i = 0
            while i + 2 <= n {
                let w0 = UnsafePointer(scratch + i * k), w1 = UnsafePointer(scratch + (i + 1) * k)
                var t = 0
                while t + 4 <= tokens {
                    let s = dot2x4(w0, w1, x + t * k, k: k)
                    for j in 0..<4 {
                        y[(t + j) * yStride + tile + i] = s.0[j]
                        y[(t + j) * yStride + tile + i + 1] = s.1[j]
                    }
                    t += 4
                }
                while t < tokens {
                    y[t * yStride + tile + i] = QuantizedKernels.dotF32(w0, x + t * k, count: k)
                    y[t * yStride + tile + i + 1] = QuantizedKernels.dotF32(w1, x + t * k, count: k)
                    t += 1
                }
                i += 2
            }
            if i < n {
                let w0 = UnsafePointer(scratch + i * k)
                for t in 0..<tokens { y[t * yStride + tile + i] = QuantizedKernels.dotF32(w0, x + t * k, count: k) }
            }
            tile += n
        }
    }

    /// Two weight rows against four consecutive token vectors (stride k): eight dot products
    /// with each weight load used four times and each activation load twice.
    @inline(__always)
    static func dot2x4(_ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ x: UnsafePointer<Float>, k: Int)
        -> (SIMD4<Float>, SIMD4<Float>) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
        let pw0 = UnsafeRawPointer(w0), pw1 = UnsafeRawPointer(w1)
        let px0 = UnsafeRawPointer(x), px1 = UnsafeRawPointer(x + k), px2 = UnsafeRawPointer(x + 2 * k), px3 = UnsafeRawPointer(x + 3 * k)
        var off = 0
        let end = k * 4
        while off < end {
            let u = pw0.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let v = pw1.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let x0 = px0.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let x1 = px1.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let x2 = px2.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let x3 = px3.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            a0.addProduct(u, x0); a1.addProduct(u, x1); a2.addProduct(u, x2); a3.addProduct(u, x3)
            b0.addProduct(v, x0); b1.addProduct(v, x1); b2.addProduct(v, x2); b3.addProduct(v, x3)
            off += 32
        }
        return (SIMD4(VectorMath.sum(a0), VectorMath.sum(a1), VectorMath.sum(a2), VectorMath.sum(a3)),
                SIMD4(VectorMath.sum(b0), VectorMath.sum(b1), VectorMath.sum(b2), VectorMath.sum(b3)))
    }
}

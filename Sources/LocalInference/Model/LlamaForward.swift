import Foundation

/// The llama forward pass over a batch of tokens at consecutive positions: RMSNorm, rotary
/// embeddings (adjacent pairs, as llama.cpp's converter lays out Q and K), grouped-query causal
/// attention over the Float16 KV cache, SwiGLU feed-forward. Matrix products run on every core
/// through the context's runner; everything else is small next to them.
extension LlamaModel {
    func forward(_ tokens: UnsafeBufferPointer<Int32>, in ctx: LlamaContext) {
        let c = config
        let n = tokens.count, e = c.embeddingLength, kvd = c.kvDimension, f = c.feedForwardLength
        let p0 = ctx.count
        for (t, token) in tokens.enumerated() { tokenEmbedding.dequantizeRow(Int(token), into: ctx.x + t * e) }
        // The rotary angles depend on the position only: computed once per token here rather
        // than for Q and K of every layer (60 sets of sinf/cosf per token).
        let half = c.headDimension / 2
        var rope = [Float](repeating: 0, count: n * half * 2)
        ropeInverseFrequencies.withUnsafeBufferPointer { inv in
            for t in 0..<n {
                for i in 0..<half {
                    let angle = Float(p0 + t) * inv[i]
                    rope[(t * half + i) * 2] = cosf(angle)
                    rope[(t * half + i) * 2 + 1] = sinf(angle)
                }
            }
        }

        for (li, layer) in layers.enumerated() {
            for t in 0..<n { Self.rmsNorm(ctx.x + t * e, layer.attentionNorm, eps: c.rmsEpsilon, count: e, into: ctx.h + t * e) }
            multiply([(layer.query, ctx.q), (layer.key, ctx.k), (layer.value, ctx.v)], ctx.h, tokens: n, in: ctx)
            for t in 0..<n {
                rope.withUnsafeBufferPointer { r in
                    let angles = r.baseAddress! + t * half * 2
                    rotate(ctx.q + t * e, heads: c.headCount, angles: angles)
                    rotate(ctx.k + t * kvd, heads: c.headCountKV, angles: angles)
                }
                let kr = ctx.keyRow(layer: li, position: p0 + t), vr = ctx.valueRow(layer: li, position: p0 + t)
                for i in 0..<kvd {
                    kr[i] = Float16(ctx.k[t * kvd + i])
                    vr[i] = Float16(ctx.v[t * kvd + i])
                }
            }
            attend(layer: li, tokens: n, start: p0, in: ctx)
            multiply([(layer.attentionOutput, ctx.h)], ctx.attention, tokens: n, in: ctx)
            for i in 0..<n * e { ctx.x[i] += ctx.h[i] }

            for t in 0..<n { Self.rmsNorm(ctx.x + t * e, layer.feedForwardNorm, eps: c.rmsEpsilon, count: e, into: ctx.h + t * e) }
            multiply([(layer.gate, ctx.gate), (layer.up, ctx.up)], ctx.h, tokens: n, in: ctx)
            VectorMath.swiglu(ctx.gate, ctx.up, count: n * f)
            multiply([(layer.down, ctx.h)], ctx.gate, tokens: n, in: ctx)
            for i in 0..<n * e { ctx.x[i] += ctx.h[i] }
        }
        ctx.advance(by: n)

        let last = ctx.x + (n - 1) * e
        Self.rmsNorm(last, outputNorm, eps: c.rmsEpsilon, count: e, into: ctx.h)
        multiply([(output, ctx.logits)], ctx.h, tokens: 1, in: ctx)
    }

    /// Products of several matrices with the same input, in one parallel round: Q, K and V (or
    /// gate and up) share their input and split their rows over the cores together.
    private func multiply(_ products: [(WeightMatrix, UnsafeMutablePointer<Float>)], _ input: UnsafeMutablePointer<Float>,
                          tokens n: Int, in ctx: LlamaContext) {
        let k = products[0].0.columns
        if n == 1 { QuantizedKernels.blockSums(input, count: k, into: ctx.sums) }
        let total = products.reduce(0) { $0 + $1.0.rows }
        ctx.runner.parallelFor(total, granule: 8) { part, range in
            let scratch = ctx.tileScratch + part * ctx.tileStride
            var base = 0
            for (w, out) in products {
                let lo = max(range.lowerBound, base) - base, hi = min(range.upperBound, base + w.rows) - base
                if lo < hi {
                    if n == 1 {
                        MatrixMultiply.vector(w, input, sums: ctx.sums, into: out, rows: lo..<hi)
                    } else {
                        MatrixMultiply.batch(w, input, tokens: n, into: out, yStride: w.rows, rows: lo..<hi, scratch: scratch)
                    }
                }
                base += w.rows
            }
        }
    }

    static func rmsNorm(_ x: UnsafePointer<Float>, _ weight: [Float], eps: Float, count: Int, into out: UnsafeMutablePointer<Float>) {
        var ss: Float = 0
        for i in 0..<count { ss += x[i] * x[i] }
        let scale = 1 / (ss / Float(count) + eps).squareRoot()
        weight.withUnsafeBufferPointer { w in
            for i in 0..<count { out[i] = x[i] * scale * w[i] }
        }
    }

    /// Rotates each head's adjacent pairs (x[2i], x[2i+1]) by position x base^(-2i/d), given
    /// as (cos, sin) pairs in `angles`.
    private func rotate(_ v: UnsafeMutablePointer<Float>, heads: Int, angles: UnsafePointer<Float>) {
        let d = config.headDimension
        for i in 0..<d / 2 {
            let cs = angles[2 * i], sn = angles[2 * i + 1]
            for hd in 0..<heads {
                let p = v + hd * d + 2 * i
                let a = p[0], b = p[1]
                p[0] = a * cs - b * sn
                p[1] = a * sn + b * cs
            }
        }
    }

    /// Causal attention for each new token and query head over the cached positions up to its
    /// own; (token, head) pairs are spread over the cores in contiguous runs.
    private func attend(layer: Int, tokens n: Int, start p0: Int, in ctx: LlamaContext) {
        let c = config
        let d = c.headDimension, e = c.embeddingLength, group = c.headCount / c.headCountKV
        let kvd = c.kvDimension
        let scale = 1 / Float(d).squareRoot()
        let vectors = d / 8
        let keyBase = UnsafeRawPointer(ctx.keyRow(layer: layer, position: 0))
        let valueBase = UnsafeRawPointer(ctx.valueRow(layer: layer, position: 0))
        ctx.runner.parallelFor(n * c.headCount) { part, pairs in
            let scores = ctx.scoreScratch + part * ctx.capacity
            for pair in pairs {
                let t = pair / c.headCount, head = pair % c.headCount
                let length = p0 + t + 1
                let kvOffset = (head / group) * d * 2
                let qv = UnsafeRawPointer(ctx.q + t * e + head * d)
                var best = -Float.infinity
                for j in 0..<length {
                    let kr = keyBase + j * kvd * 2 + kvOffset
                    var s = SIMD8<Float>()
                    for b in 0..<vectors {
                        s.addProduct(SIMD8<Float>(kr.loadUnaligned(fromByteOffset: b * 16, as: SIMD8<Float16>.self)),
                                     qv.loadUnaligned(fromByteOffset: b * 32, as: SIMD8<Float>.self))
                    }
                    let score = VectorMath.sum(s) * scale
                    scores[j] = score
                    best = max(best, score)
                }
                // Softmax, eight scores at a time.
                var total = SIMD8<Float>()
                var j = 0
                let raw = UnsafeMutableRawPointer(scores)
                while j + 8 <= length {
                    let w = VectorMath.exp(raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) - best)
                    raw.storeBytes(of: w, toByteOffset: j * 4, as: SIMD8<Float>.self)
                    total += w
                    j += 8
                }
                var sum = VectorMath.sum(total)
                while j < length {
                    scores[j] = expf(scores[j] - best)
                    sum += scores[j]
                    j += 1
                }
                // Weighted sum of the values, eight dimensions at a time over every position, so
                // the accumulator stays in a register.
                let out = UnsafeMutableRawPointer(ctx.attention + t * e + head * d)
                let inverse = 1 / sum
                for b in 0..<vectors {
                    var a = SIMD8<Float>(), a2 = SIMD8<Float>()
                    var vr = valueBase + kvOffset + b * 16
                    var j = 0
                    while j + 2 <= length {
                        a.addProduct(SIMD8(repeating: scores[j]), SIMD8<Float>(vr.loadUnaligned(as: SIMD8<Float16>.self)))
                        a2.addProduct(SIMD8(repeating: scores[j + 1]), SIMD8<Float>(vr.loadUnaligned(fromByteOffset: kvd * 2, as: SIMD8<Float16>.self)))
                        vr += kvd * 4
                        j += 2
                    }
                    if j < length { a.addProduct(SIMD8(repeating: scores[j]), SIMD8<Float>(vr.loadUnaligned(as: SIMD8<Float16>.self))) }
                    out.storeBytes(of: (a + a2) * inverse, toByteOffset: b * 32, as: SIMD8<Float>.self)
                }
            }
        }
    }
}

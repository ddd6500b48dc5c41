import Foundation

/// How the next token is picked from the logits: greedy at temperature 0, otherwise top-k,
/// then top-p (nucleus), then a draw from the softmax at the temperature, from a seeded
/// generator so that a run can be repeated exactly.
public struct SamplingParameters: Sendable, Equatable, Codable {
    public var temperature: Float
    /// 0 keeps every token.
    public var topK: Int
    /// 1 keeps every token.
    public var topP: Float
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 40, topP: Float = 0.95, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    public static let greedy = SamplingParameters(temperature: 0)
}

public struct TokenSampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: SplitMix64

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = SplitMix64(seed: parameters.seed)
    }

    public mutating func sample(_ logits: [Float]) -> Int32 {
        precondition(!logits.isEmpty, "no logits to sample from")
        if parameters.temperature <= 0 { return Self.argmax(logits) }
        var candidates = Self.topCandidates(logits, k: parameters.topK > 0 ? min(parameters.topK, logits.count) : logits.count)
        // Softmax at the temperature, over the candidates only (sorted best first).
        let t = parameters.temperature
        let top = candidates[0].logit
        var total: Float = 0
        for i in candidates.indices {
            let p = expf((candidates[i].logit - top) / t)
            candidates[i].logit = p
            total += p
        }
        // Nucleus: the smallest prefix whose probability reaches top-p.
        var keep = candidates.count
        if parameters.topP < 1 {
            var cumulative: Float = 0
            for i in candidates.indices {
                cumulative += candidates[i].logit / total
                if cumulative >= parameters.topP { keep = i + 1; break }
            }
        }
        let mass = candidates[..<keep].reduce(0) { $0 + $1.logit }
        var draw = Float(Double(rng.next() >> 11) / Double(1 << 53)) * mass
        for c in candidates[..<keep] {
            draw -= c.logit
            if draw <= 0 { return c.token }
        }
        return candidates[keep - 1].token
    }

    /// The most likely token (the lowest id on a tie).
    public static func argmax(_ logits: [Float]) -> Int32 {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return Int32(best)
    }

    /// The k highest logits, best first (ties to the lower id, so greedy and k=1 agree).
    static func topCandidates(_ logits: [Float], k: Int) -> [(token: Int32, logit: Float)] {
        if k >= logits.count {
            return logits.enumerated().map { (Int32($0.offset), $0.element) }
                .sorted { $0.logit != $1.logit ? $0.logit > $1.logit : $0.token < $1.token }
        }
        // A sorted window of k, replaced into when a better logit comes: O(V) for small k.
        var best: [(token: Int32, logit: Float)] = []
        best.reserveCapacity(k + 1)
        for (i, l) in logits.enumerated() {
            if best.count == k, l <= best[k - 1].logit { continue }
            var at = best.count
            while at > 0, best[at - 1].logit < l { at -= 1 }
            best.insert((Int32(i), l), at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64). The Scheduler has
/// the same one (`SeededRandom`); LocalInference imports no other fleetdeck module, so that
/// the runtime stays pure Swift (FleetCore brings Yams, whose parser is C).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What an engine spends on the host in one step, on top of the GPU's time: a fixed cost (the
/// scheduler's loop, a kernel launch or a graph replay), a cost per sequence in the step
/// (bookkeeping, sampling, detokenising: it grows with the batch) and a cost per token the
/// step computes (building inputs, positions and masks). vLLM and SGLang keep all three to a
/// few milliseconds; transformers' continuous batching does them in Python, where the per-
/// sequence term is what makes a full batch slower per step than the light trace suggests
/// (Docs/scheduler-model.md, "Fidelity under load").
public struct HostCost: Sendable, Equatable, Codable {
    public var perStep: Double
    public var perSequence: Double
    public var perToken: Double

    public init(perStep: Double, perSequence: Double = 0, perToken: Double = 0) {
        self.perStep = perStep; self.perSequence = perSequence; self.perToken = perToken
    }

    public static let zero = HostCost(perStep: 0)

    /// Seconds of host time for a step of `sequences` sequences computing `tokens` tokens.
    public func time(sequences: Int, tokens: Int) -> Double {
        perStep + perSequence * Double(sequences) + perToken * Double(tokens)
    }

    enum CodingKeys: String, CodingKey {
        case perStep = "per_step_s", perSequence = "per_sequence_s", perToken = "per_token_s"
    }
}

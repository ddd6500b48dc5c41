/// A step time fitted to a real engine's telemetry, not derived from its hardware: a fixed
/// cost per step, a cost per decoding sequence and a cost per prompt token in the step. The
/// twin of a watched pool uses it (Docs/twin.md): what an engine exports (mean time per output
/// token at the batch it ran, seconds spent on prompts) pins these three numbers down, where a
/// roofline would need the hardware's and the model's shapes, which a scrape does not give.
public struct LinearStepModel: Sendable, Equatable {
    public var base: Double
    public var perSequence: Double
    public var perPromptToken: Double

    public init(base: Double, perSequence: Double, perPromptToken: Double) {
        self.base = base; self.perSequence = perSequence; self.perPromptToken = perPromptToken
    }

    public func stepTime(prefillTokens: Int, decodeSequences: Int) -> Double {
        base + perSequence * Double(decodeSequences) + perPromptToken * Double(prefillTokens)
    }

    /// Every term times `factor`.
    public func scaled(_ factor: Double) -> LinearStepModel {
        LinearStepModel(base: base * factor, perSequence: perSequence * factor, perPromptToken: perPromptToken * factor)
    }
}

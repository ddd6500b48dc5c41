import FleetCore
import Foundation

/// Where a twin's step gets its shape (base : per sequence : per prompt token) before the fit
/// scales it to the observed time per output token (Docs/twin.md, "Step shape"). A scrape
/// pins the scale down, not the shape: how much a prompt token costs beside a decoding
/// sequence is the hardware's and the model's, so the operator may name them.
public enum TwinStepShape: Sendable, Equatable {
    /// A node profile (its measured table for the model, else its roofline), from `profile:`.
    case profile(NodeProfile, model: ProfiledModel, file: String)
    /// The roofline of a catalogue GPU for a model's shape, from `model:` and `gpu:`; with no
    /// `gpu:`, the GPU the pool's dcgm-exporter names.
    case roofline(model: ModelSpec, gpu: GPUSpec?)

    /// The step-time model, or nil when the GPU must be detected and the window names none
    /// the catalogue knows. `detected` is dcgm-exporter's `modelName`.
    func stepModel(gpusPerNode: Int, detected: String?) -> (model: StepTimeModel, source: String)? {
        switch self {
        case let .profile(profile, model, file):
            let m = StepTimeModel(profile: profile, model: model, gpus: gpusPerNode, overhead: 0)
            let measured = if case .measured = m.source { "measured steps" } else { "roofline" }
            return (m, "node profile \(URL(fileURLWithPath: file).lastPathComponent) (\(model.name), \(measured))")
        case let .roofline(model, gpu):
            guard let g = gpu ?? detected.flatMap(GPUSpec.matching) else { return nil }
            return (StepTimeModel(model: model, gpu: g, gpus: gpusPerNode, overhead: 0),
                    "roofline of \(g.name)\(gpu == nil ? " (detected)" : "") for \(model.name)")
        }
    }

    /// The step model made straight at the pool's operating point: decoding `batch` and twice
    /// as many sequences of `context` tokens each gives base and per sequence; a prompt of
    /// `promptTokens` beside them, the cost per prompt token. Nil when the model gives no
    /// positive cost to fit (a step floor flat over the range).
    static func linearised(_ m: StepTimeModel, batch: Double, context: Double, promptTokens: Double) -> LinearStepModel? {
        let n = max(1, Int(batch.rounded()))
        let ctx = max(1, Int(context.rounded()))
        let prompt = max(64, Int(promptTokens.rounded()))
        let one = m.stepTime(prefillTokens: 0, decodeSequences: n, contextTokens: n * ctx)
        let two = m.stepTime(prefillTokens: 0, decodeSequences: 2 * n, contextTokens: 2 * n * ctx)
        let withPrompt = m.stepTime(prefillTokens: prompt, decodeSequences: n, contextTokens: n * ctx)
        let perSequence = max(0, (two - one) / Double(n))
        let base = max(0, one - perSequence * Double(n))
        let perPromptToken = max(0, (withPrompt - one) / Double(prompt))
        guard base + perSequence > 0, perPromptToken > 0, [base, perSequence, perPromptToken].allSatisfy(\.isFinite) else { return nil }
        return LinearStepModel(base: base, perSequence: perSequence, perPromptToken: perPromptToken)
    }
}

extension GPUSpec {
    /// The catalogue GPU a dcgm-exporter `modelName` names ("NVIDIA H100 80GB HBM3" is the
    /// H100-SXM): the catalogue name's chip (its first word) among the name's words.
    public static func matching(_ name: String) -> GPUSpec? {
        let words = Set(name.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init))
        return catalog.values.sorted { $0.name < $1.name }.first { spec in
            guard let chip = spec.name.lowercased().split(separator: "-").first else { return false }
            return words.contains(String(chip))
        }
    }
}

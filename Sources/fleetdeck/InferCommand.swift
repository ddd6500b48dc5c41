import ArgumentParser
import FleetCore
import Foundation
import LocalInference

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Generate text with a local GGUF model (llama architecture) on this machine's CPU.",
        discussion: """
            Loads the model (memory-mapped), evaluates the prompt in batches, then samples one token at a \
            time: greedy at --temperature 0 (the default), otherwise top-k, top-p and temperature from \
            --seed. Prints the continuation as it is generated, then the timings: prompt tokens/s, \
            generation tokens/s and time to first token. Control tokens in the prompt, such as \
            <|im_start|>, are read as such. Supported tensor types: F32, F16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K.

            Example (SmolLM2-135M-Instruct, as Scripts/fetch-model fetches it):
              fleetdeck infer --model ~/.cache/fleetdeck/models/SmolLM2-135M-Instruct.Q4_1.gguf \\
                --prompt "The capital of France is" -n 16
            """)

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "The prompt text.")
    var prompt: String

    @Option(name: [.customShort("n"), .long], help: "Tokens to generate at most.")
    var maxTokens: Int = 64

    @Option(name: .long, help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(name: .long, help: "Keep the K most likely tokens (0 keeps all).")
    var topK: Int = 40

    @Option(name: .long, help: "Keep the most likely tokens up to this probability mass.")
    var topP: Float = 0.95

    @Option(name: .long, help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Threads for the matrix products (default: every core).")
    var threads: Int?

    @Option(name: .long, help: "Context length to allocate, in tokens (prompt plus generation).")
    var context: Int = 1024

    @Flag(name: .long, help: "Print one JSON object: the text, the prompt's and the generated token ids, the timings.")
    var json = false

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("-n must be 0 or more") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be 0 or more") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 or more") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard (16...131_072).contains(context) else { throw ValidationError("--context must be between 16 and 131072") }
        if let t = threads, !(1...256).contains(t) { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        let generator: TextGenerator
        do {
            let runner = ParallelRunner(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            generator = try TextGenerator(modelPath: model, contextCapacity: context, runner: runner)
        } catch let error as LocalInferenceError {
            throw UserError(error.description)
        }
        let sampling = SamplingParameters(temperature: temperature, topK: topK, topP: topP, seed: seed)
        let json = json
        let result: GenerationResult
        do {
            result = try generator.generate(prompt: prompt, maxTokens: maxTokens, sampling: sampling) { _, piece in
                if !json, !piece.isEmpty {
                    // Model output is untrusted text: no escape sequences reach the terminal.
                    FileHandle.standardOutput.write(Data(TerminalText.sanitizedKeepingNewlines(piece).utf8))
                }
                return true
            }
        } catch let error as LocalInferenceError {
            throw UserError(error.description)
        }
        let t = result.timings
        if json {
            let out = InferOutput(model: model, prompt: prompt, text: result.text, promptTokenIDs: result.promptTokens,
                                  generatedTokenIDs: result.generatedTokens, stoppedAtEndOfText: result.stoppedAtEndOfText,
                                  timings: .init(t), threads: generator.context.runner.threadCount)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
        } else {
            print("")
            let summary = String(format: "prompt: %d tokens, %.1f tokens/s | generation: %d tokens, %.1f tokens/s | time to first token: %.1f ms",
                                 t.promptTokens, t.promptTokensPerSecond, t.generatedTokens, t.generationTokensPerSecond,
                                 t.timeToFirstTokenSeconds * 1000)
            FileHandle.standardError.write(Data((summary + "\n").utf8))
        }
    }
}

/// `infer --json`: snake_case keys, as `advise --json` and the simulation reports (the
/// snapshot JSON of `snapshot`/`replay` keeps the recording format's camelCase).
struct InferOutput: Encodable {
    struct Timings: Encodable {
        let prompt_tokens: Int
        let generated_tokens: Int
        let prompt_seconds: Double
        let prompt_tokens_per_second: Double
        let generation_seconds: Double
        let generation_tokens_per_second: Double
        let time_to_first_token_seconds: Double

        init(_ t: GenerationTimings) {
            prompt_tokens = t.promptTokens
            generated_tokens = t.generatedTokens
            prompt_seconds = t.promptSeconds
            prompt_tokens_per_second = t.promptTokensPerSecond
            generation_seconds = t.generationSeconds
            generation_tokens_per_second = t.generationTokensPerSecond
            time_to_first_token_seconds = t.timeToFirstTokenSeconds
        }
    }

    let model: String
    let prompt: String
    let text: String
    let promptTokenIDs: [Int32]
    let generatedTokenIDs: [Int32]
    let stoppedAtEndOfText: Bool
    let timings: Timings
    let threads: Int

    enum CodingKeys: String, CodingKey {
        case model, prompt, text, timings, threads
        case promptTokenIDs = "prompt_token_ids"
        case generatedTokenIDs = "generated_token_ids"
        case stoppedAtEndOfText = "stopped_at_end_of_text"
    }
}

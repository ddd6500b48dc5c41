import ArgumentParser
import Foundation
import LocalInference

/// llama-bench's two figures for the local runtime, so they compare directly with llama.cpp's:
/// pp (a prompt of N tokens evaluated from an empty context) and tg (N tokens generated one
/// at a time from an empty context), plus decode steps deep in the context and peak memory.
struct InferBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Time the local inference runtime: prompt and generation tokens/s, decode step time, peak memory.")

    @Option(name: .long, help: "The GGUF model (default: $FLEETDECK_MODEL or the fetched SmolLM2).")
    var model: String?
    @Option(name: .long, help: "Threads (default: every core).") var threads: Int?
    @Option(name: .long, help: "Prompt tokens for pp.") var promptTokens: Int = 128
    @Option(name: .long, help: "Tokens for tg.") var generateTokens: Int = 128
    @Option(name: .long, help: "Repetitions of each figure (the median is reported).") var repeats: Int = 5

    func run() throws {
        let path = model ?? ModelLocator.defaultModelPath
        let runner = ParallelRunner(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let file: GGUFFile, llama: LlamaModel
        do {
            file = try GGUFFile(path: path)
            llama = try LlamaModel(file: file)
        } catch let e as LocalInferenceError { throw UserError(e.description) }
        let context = LlamaContext(model: llama, capacity: max(1024, promptTokens + generateTokens + 1), runner: runner)
        let vocab = llama.config.vocabularySize
        // Token ids spread over the vocabulary; the figures do not depend on which.
        let prompt = (0..<promptTokens).map { Int32(($0 * 7919 + 13) % vocab) }
        _ = try llama.evaluate(Array(prompt.prefix(8)), in: context)   // page the weights in

        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

        var pp: [Double] = [], tg: [Double] = []
        for _ in 0..<repeats {
            context.reset()
            pp.append(Double(promptTokens) / (try seconds { _ = try llama.evaluate(prompt, in: context) }))
            context.reset()
            var token: Int32 = 1
            tg.append(Double(generateTokens) / (try seconds {
                for _ in 0..<generateTokens {
                    let logits = try llama.evaluate([token], in: context)
                    token = TokenSampler.argmax(logits)
                }
            }))
        }
        // One decode step deep in the context: attention over 512 cached positions.
        context.reset()
        _ = try llama.evaluate(Array(repeating: 1, count: 512), in: context)
        var deep: [Double] = []
        for _ in 0..<32 { deep.append(try seconds { _ = try llama.evaluate([1], in: context) }) }

        let fileMB = Double(file.fileSize) / 1_048_576
        let peakMB = Double(Self.peakResidentKiB()) / 1024
        let gbPerToken = Double(llama.weightBytes) / 1e9
        print(String(format: "model %@ (%.1f MiB), %d threads", (path as NSString).lastPathComponent, fileMB, runner.threadCount))
        print(String(format: "pp%d: %.1f tokens/s (median of %d)", promptTokens, median(pp), repeats))
        print(String(format: "tg%d: %.1f tokens/s (median of %d); weights streamed %.2f GB/s", generateTokens, median(tg), repeats, median(tg) * gbPerToken))
        print(String(format: "decode step at context 512: %.2f ms (median of 32)", median(deep) * 1000))
        print(String(format: "peak resident memory: %.1f MiB = %.2fx the model file (KV cache and scratch %.1f MiB)",
                     peakMB, peakMB / fileMB, Double(context.byteCount) / 1_048_576))
    }

    /// VmHWM from /proc/self/status: the peak resident set, mapped weights included.
    static func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}

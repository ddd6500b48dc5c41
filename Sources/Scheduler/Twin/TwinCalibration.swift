import FleetCore
import Foundation

/// A watched pool as the scheduler model will play it: the load it was offered, its lengths,
/// its engine's limits and a step time fitted to what its engines reported. `notes` say what
/// had to be assumed.
public struct TwinPoolModel: Sendable, Equatable {
    public var pool: String
    public var engine: String
    public var nodes: Int
    public var arrivalRate: Double
    public var promptTokens: LengthDistribution
    public var outputTokens: LengthDistribution
    public var slots: Int
    public var maxBatchedTokens: Int
    /// KV-cache tokens per node: the engine's (vLLM's `cache_config_info`), else nil and room
    /// for every slot's longest sequence.
    public var kvCacheTokens: Int?
    public var step: LinearStepModel
    /// The fit's anchor: the observed mean time per output token at this mean batch per node.
    public var observedTPOT: Double
    /// The observed TTFT p50 the prompt cost is fitted to by playing the window, where the
    /// engine counts no prompt time and no queue stands (else the TTFT is mostly waiting).
    public var observedTTFT: Double?
    public var meanBatch: Double
    /// Plays of the window the twin took to reproduce `observedTPOT` (0 before any).
    public var passes = 0
    /// Seconds a new replica takes, where the config says (else the model's size decides).
    public var coldStart: Double?
    public var router: RouterPolicy
    public var pricePerNodeHour: Double
    /// Where the step's shape came from (`TwinStepShape`), in words.
    public var stepShape = TwinPoolReport.familyShape
    public var notes: [String]
}

/// Fits a `TwinPoolModel` to one window of a pool's telemetry. Pure: the same window and
/// settings give the same model (Docs/twin.md, "Calibration").
public enum TwinCalibration {
    /// The step's shape before any fit, per engine family, as (base, per sequence, per prompt
    /// token) in units of the per-sequence cost. Only the ratios matter: the fit scales them to
    /// the observed time per output token. A CPU engine (llama.cpp) is compute-bound: each token
    /// in a step, decode or prompt, costs about the same, on a small fixed cost (the fits on
    /// this machine's llama-server land near 3-5 ms + 12-19 ms a sequence). A GPU engine reads
    /// the weights once per step whatever the batch: the fixed cost dominates.
    static func priorShape(engine: String) -> LinearStepModel {
        switch engine {
        case "llamacpp": return LinearStepModel(base: 0.25, perSequence: 1, perPromptToken: 0.7)
        default: return LinearStepModel(base: 100, perSequence: 1, perPromptToken: 0.5)
        }
    }

    /// The share of a pool's nodes holding a queue, over the window, for a batching engine's
    /// running count to be taken as its limit.
    static let standingQueue = 0.5

    /// Default lengths' spread when only means are observed: the lognormal's sigma.
    static let assumedSigma = 0.5

    public static func fit(_ w: TwinWindow, settings s: TwinPoolSettings) -> Result<TwinPoolModel, TwinUnmodelled> {
        var notes: [String] = []
        guard w.nodesUp > 0 else { return .failure(TwinUnmodelled(pool: w.pool, reason: "no node serves")) }
        guard w.samples >= 5 else { return .failure(TwinUnmodelled(pool: w.pool, reason: "calibrating (\(w.samples) samples)")) }

        // Arrivals, and the output length they imply or that implies them.
        let configuredOutput = s.outputTokens
        var outputMean: Double?
        let rate: Double
        if let counted = w.arrivalRate {
            rate = counted
            if let o = configuredOutput { outputMean = mean(o) } else if counted > 0 { outputMean = w.generationTokensPerSecond / counted }
        } else if let o = configuredOutput {
            outputMean = mean(o)
            rate = w.generationTokensPerSecond / mean(o)
            notes.append("arrivals inferred: \(engineName(w.engine)) counts no requests; generated tokens/s over the configured output length")
        } else {
            return .failure(TwinUnmodelled(pool: w.pool, reason: "\(engineName(w.engine)) counts no requests: name the pool's output_tokens under twin: to infer its arrivals"))
        }
        guard rate > 0, let out = outputMean, out >= 1 else {
            return .failure(TwinUnmodelled(pool: w.pool, reason: "idle: no requests in the last \(Format.duration(w.end - w.start))"))
        }
        let outputTokens = configuredOutput ?? lognormal(w.outputLength) ?? spread(mean: out, note: "output", &notes)
        let promptTokens: LengthDistribution
        if let p = s.promptTokens ?? lognormal(w.promptLength) { promptTokens = p } else {
            // Tokens the engine computed: prompt tokens its prefix cache served are not counted.
            promptTokens = spread(mean: max(1, w.promptTokensPerSecond / rate), note: "prompt (uncached)", &notes)
        }

        // llama.cpp queues a request only when every slot is taken, so the most sequences seen
        // running beside a queue is its slot count (where /slots does not say). A batching engine
        // also queues a moment for its token budget with slots free: only a standing queue says.
        let slots: Int
        if let n = s.slots ?? s.engine?.maxNumSeqs ?? w.slots { slots = n } else if w.engine == "llamacpp" {
            if let seen = w.runningWhileWaiting, seen > 0 {
                slots = seen
                notes.append("slots: \(seen), the most seen running while requests waited (the server's /slots was not read)")
            } else {
                slots = max(1, Int(w.tokenWeightedBatch.rounded(.up)) + 1)
                notes.append("slots assumed \(slots): no queue seen yet; name slots under twin:")
            }
        } else if let seen = w.runningWhileWaiting, seen > 0, w.queuedShare >= standingQueue {
            // A batching engine may queue a moment for its token budget with slots free; a queue
            // standing through most of the window means it runs all it can (slots or KV cache).
            slots = seen
            notes.append("max running sequences \(seen): the most seen running under a standing queue; name slots or engine: under twin:")
        } else {
            slots = EngineSettings().maxNumSeqs
            notes.append("max running sequences assumed \(slots) (vLLM's default); name slots or engine: under twin:")
        }
        let maxBatched = s.maxBatchedTokens ?? s.engine?.maxNumBatchedTokens ?? (w.engine == "llamacpp" ? 2048 : 8192)

        // Time per output token at the window's batch, the anchor of the fit.
        guard let tpot = observedTPOT(w.latency, outputMean: mean(outputTokens), notes: &notes) else {
            return .failure(TwinUnmodelled(pool: w.pool, reason: "no time per output token observed yet"))
        }
        let perNodeRate = rate / Double(w.nodesUp)
        let promptPerNode = w.promptTokensPerSecond / Double(w.nodesUp)
        let prefillSeconds = w.promptSecondsPerSecond.map { $0 / Double(w.nodesUp) }
        let (prior, shapeSource) = shape(s, window: w, promptMean: mean(promptTokens), outputMean: mean(outputTokens), notes: &notes)
        var ttft: Double?
        if prefillSeconds == nil, w.queuedShare < standingQueue, !w.behindResponseCache,
           let l = w.latency, l.samples > 0, let t = l.ttft.p50, t > 0, t.isFinite {
            ttft = t
        }
        let step = fitStep(tpot: tpot, meanBatch: max(1, w.tokenWeightedBatch), promptTokensPerSecond: promptPerNode,
                           promptMean: mean(promptTokens), prefillSecondsPerRequest: prefillSeconds.map { $0 / perNodeRate },
                           prior: prior, fitsTTFT: ttft != nil, notes: &notes)
        return .success(TwinPoolModel(pool: w.pool, engine: w.engine, nodes: w.nodesUp, arrivalRate: rate,
                                      promptTokens: promptTokens, outputTokens: outputTokens, slots: slots,
                                      maxBatchedTokens: maxBatched, kvCacheTokens: w.kvCacheTokens ?? s.engine?.numBlocks.map { $0 * (s.engine?.blockSize ?? 16) },
                                      step: step, observedTPOT: tpot, observedTTFT: ttft,
                                      meanBatch: max(1, w.tokenWeightedBatch), coldStart: s.coldStart, router: s.router,
                                      pricePerNodeHour: w.pricePerNodeHour, stepShape: shapeSource, notes: notes))
    }

    /// The step's shape at the window's operating point: the named profile's or roofline's,
    /// else the engine family's (said so for a GPU engine, whose shape is the hardware's).
    static func shape(_ s: TwinPoolSettings, window w: TwinWindow, promptMean: Double, outputMean: Double,
                      notes: inout [String]) -> (LinearStepModel, String) {
        let family = priorShape(engine: w.engine)
        guard let named = s.stepShape else {
            if w.engine != "llamacpp" {
                notes.append("step shape from the engine family: name a profile: or a model: (and gpu:) under twin:")
            }
            return (family, TwinPoolReport.familyShape)
        }
        guard let (model, source) = named.stepModel(gpusPerNode: s.gpusPerNode, detected: w.gpuName) else {
            notes.append("step shape from the engine family: no gpu: named and "
                         + (w.gpuName.map { "the detected \(TerminalText.sanitized($0)) is not in the catalogue" } ?? "no GPU detected (no dcgm-exporter)"))
            return (family, TwinPoolReport.familyShape)
        }
        guard let line = TwinStepShape.linearised(model, batch: max(1, w.tokenWeightedBatch), context: promptMean + outputMean / 2,
                                                  promptTokens: promptMean) else {
            notes.append("step shape from the engine family: \(source) gives no cost to fit")
            return (family, TwinPoolReport.familyShape)
        }
        return (line, source)
    }

    /// The mean time per output token: the engine's own figure, else what end to end less
    /// TTFT leaves over the output length (an engine with no inter-token histogram). Means
    /// where the source gives them: both are token-weighted, as the engines' sums are.
    static func observedTPOT(_ l: PoolLatency?, outputMean: Double, notes: inout [String]) -> Double? {
        guard let l else { return nil }
        if let t = l.tpot?.mean ?? l.tpot?.p50, t > 0, t.isFinite { return t }
        guard let e2e = l.e2e.mean ?? l.e2e.p50, let ttft = l.ttft.mean ?? l.ttft.p50, e2e > ttft, outputMean > 1.5 else { return nil }
        notes.append("time per output token from end to end less TTFT: the engine exports no inter-token histogram")
        return (e2e - ttft) / (outputMean - 1)
    }

    /// The step (base + b·n + c·p) that reproduces what the engine reported:
    /// - a sequence's time per output token T at the mean batch n̄, with the prompt tokens
    ///   that arrive meanwhile (π per second, so π·T per step) in its steps:
    ///   T = base + b·n̄ + c·π·T;
    /// - where the engine counts time spent on prompts (llama.cpp), a request's prompt step:
    ///   Tp = base + b·n̄ + c·P̄, which with the first gives c = (Tp − T) / (P̄ − π·T).
    /// base : b keeps the prior's ratio; only their scale is fitted. Without a prompt time, c
    /// keeps the prior's ratio too, until the plays fit it to the TTFT (`fitsTTFT`).
    static func fitStep(tpot: Double, meanBatch: Double, promptTokensPerSecond pi: Double, promptMean: Double,
                        prefillSecondsPerRequest: Double?, prior: LinearStepModel, fitsTTFT: Bool = false,
                        notes: inout [String]) -> LinearStepModel {
        var c: Double?
        if let tp = prefillSecondsPerRequest, tp.isFinite, promptMean - pi * tpot > 0.5 {
            let fitted = (tp - tpot) / (promptMean - pi * tpot)
            if fitted > 0, fitted.isFinite { c = fitted }
        }
        if let c, c * pi < 0.9 {
            let decode = tpot * (1 - c * pi)
            let scale = decode / (prior.base + prior.perSequence * meanBatch)
            return LinearStepModel(base: prior.base * scale, perSequence: prior.perSequence * scale, perPromptToken: c)
        }
        if !fitsTTFT { notes.append("prompt cost per token assumed from the step's shape: the engine reports no prompt time or TTFT") }
        let scale = tpot / (prior.base + prior.perSequence * meanBatch + prior.perPromptToken * pi * tpot)
        return prior.scaled(scale)
    }

    static func mean(_ d: LengthDistribution) -> Double {
        let m = d.median * exp(d.sigma * d.sigma / 2)
        return min(Double(d.max), max(Double(d.min), m))
    }

    /// The lognormal through an engine's length histogram: its median at the p50, its sigma
    /// from the p90 (z = 1.2816), clipped at three times the p99. Nil without both quantiles.
    static func lognormal(_ q: Quantiles?) -> LengthDistribution? {
        guard let q, let p50 = q.p50, let p90 = q.p90, p50 >= 1, p90 >= p50, p50.isFinite, p90.isFinite else { return nil }
        let sigma = min(3, log(p90 / p50) / 1.2816)
        let top = min(1_000_000, max(p90, q.p99 ?? p90) * 3)
        return LengthDistribution(median: p50, sigma: sigma, min: 1, max: Int(top.rounded(.up)))
    }

    /// A lognormal with the observed mean and the assumed spread.
    static func spread(mean m: Double, note: String, _ notes: inout [String]) -> LengthDistribution {
        notes.append("\(note) lengths: mean \(Int(m.rounded())) observed, spread assumed (sigma \(assumedSigma)): no length histogram")
        return LengthDistribution(median: m * exp(-assumedSigma * assumedSigma / 2), sigma: assumedSigma, min: 1,
                                  max: Int(min(1_000_000, max(1, m * 20))))
    }

    static func engineName(_ engine: String) -> String { engine == "llamacpp" ? "llama.cpp" : engine }
}

/// A pool the twin cannot model this window, and why.
public struct TwinUnmodelled: Error, Sendable, Equatable {
    public var pool: String
    public var reason: String
}

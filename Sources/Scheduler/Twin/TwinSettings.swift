import FleetCore
import Foundation

/// What the operator tells the twin about a watched pool that its telemetry cannot: the
/// `twin:` section of the watch config (Docs/twin.md). Every figure is optional; what is
/// neither observed nor given falls back to a default the twin names in its notes.
public struct TwinPoolSettings: Sendable, Equatable {
    /// Prompt and output lengths, where the engine exports no request counter or no length
    /// histogram (llama.cpp: the arrival rate is then generated tokens over the output length).
    public var promptTokens: LengthDistribution?
    public var outputTokens: LengthDistribution?
    /// Sequences a node runs at once (llama.cpp's `-np` slots, vLLM's `max_num_seqs`).
    public var slots: Int?
    /// Tokens one step may hold (llama.cpp's `-b`, vLLM's `max_num_batched_tokens`).
    public var maxBatchedTokens: Int?
    /// Seconds a new replica takes to serve, for the what-ifs' time to effect.
    public var coldStart: Double?
    /// An engine description (Docs/scheduler-model.md's engine file): its `max_num_seqs`,
    /// `max_num_batched_tokens` and `num_gpu_blocks` stand in for the fields above.
    public var engine: EngineSettings?
    /// How the fleet's load balancer picks a node: least loaded unless told.
    public var router: RouterPolicy = .leastLoaded
    /// The step's shape, where the operator names a node profile or a model and GPU; else the
    /// engine family's.
    public var stepShape: TwinStepShape?
    public var gpusPerNode = 1

    public init(promptTokens: LengthDistribution? = nil, outputTokens: LengthDistribution? = nil, slots: Int? = nil,
                maxBatchedTokens: Int? = nil, coldStart: Double? = nil, engine: EngineSettings? = nil) {
        self.promptTokens = promptTokens; self.outputTokens = outputTokens; self.slots = slots
        self.maxBatchedTokens = maxBatchedTokens; self.coldStart = coldStart; self.engine = engine
    }
}

public struct TwinSettings: Sendable, Equatable {
    /// Seconds of telemetry each fit reads, and the window its predictions are judged over:
    /// the aggregators' latency window, so predicted and observed cover the same requests.
    public var window: Double = 60
    public var pools: [String: TwinPoolSettings] = [:]

    public init(window: Double = 60, pools: [String: TwinPoolSettings] = [:]) {
        self.window = window; self.pools = pools
    }

    public func pool(_ id: String) -> TwinPoolSettings { pools[id] ?? TwinPoolSettings() }

    /// `twin: {pools: {smol: {output_tokens: 32, slots: 2}}}`. A length is a number (every
    /// request that long) or `{median, sigma, min, max}`; `engine:` is a file, relative to
    /// `relativeTo`'s folder.
    public static func read(_ v: YAMLValue, relativeTo configFile: String?) throws -> TwinSettings {
        try v.allowKeys(["pools"])
        var s = TwinSettings()
        for (id, p) in try v.optional("pools")?.entries() ?? [] {
            try p.allowKeys(["prompt_tokens", "output_tokens", "slots", "max_batched_tokens", "cold_start_s", "engine", "router",
                             "profile", "profile_model", "model", "gpu", "gpus_per_node"])
            var pool = TwinPoolSettings()
            pool.promptTokens = try p.optional("prompt_tokens").map(length)
            pool.outputTokens = try p.optional("output_tokens").map(length)
            pool.slots = try p.optional("slots")?.int(in: 1...100_000)
            pool.maxBatchedTokens = try p.optional("max_batched_tokens")?.int(in: 1...10_000_000)
            pool.coldStart = try p.optional("cold_start_s")?.double(in: 0...7200)
            if let r = try p.optional("router") { pool.router = RouterPolicy(rawValue: try r.oneOf(RouterPolicy.allCases.map(\.rawValue)))! }
            if let e = try p.optional("engine") {
                do { pool.engine = try EngineSettingsLoader.load(file: path(try e.string(), relativeTo: configFile)) } catch let error as ConfigFileError {
                    throw e.error("engine file: \(error.description)")
                }
            }
            pool.gpusPerNode = try p.optional("gpus_per_node")?.int(in: 1...64) ?? 1
            pool.stepShape = try stepShape(p, relativeTo: configFile)
            s.pools[id] = pool
        }
        return s
    }

    static func path(_ name: String, relativeTo configFile: String?) -> String {
        name.hasPrefix("/") || configFile == nil ? name
            : URL(fileURLWithPath: configFile!).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// `profile: FILE` (with `profile_model: NAME`, else `model:`'s name, else its first), or
    /// `model: {name, params_b, quantization, layers, kv_heads, head_dim}` with `gpu: NAME`
    /// (a catalogue GPU; without it, the one the pool's dcgm-exporter names).
    static func stepShape(_ p: YAMLValue, relativeTo configFile: String?) throws -> TwinStepShape? {
        let model = try p.optional("model").map(ScenarioLoader.model)
        if let pv = try p.optional("profile") {
            if let g = try p.optional("gpu") { throw g.error("gpu: is the profile's; name one or the other") }
            let file = path(try pv.string(), relativeTo: configFile)
            let profile: NodeProfile
            do { profile = try NodeProfileLoader.load(file: file) } catch let error as ConfigFileError {
                throw pv.error("node profile: \(error.description)")
            }
            let wanted = try p.optional("profile_model")?.string() ?? model?.name
            if let m = profile.model(named: wanted) { return .profile(profile, model: m, file: file) }
            if let model { return .profile(profile, model: ProfiledModel(model), file: file) }
            throw try (p.optional("profile_model") ?? pv).error(
                "the profile has no model '\(wanted ?? "")' (models: \(profile.models.map(\.name).joined(separator: ", ")))")
        }
        if let gv = try p.optional("gpu") {
            let name = try gv.string()
            guard let gpu = GPUSpec.catalog[name] else {
                throw gv.error("unknown GPU '\(name)' (known: \(GPUSpec.catalog.keys.sorted().joined(separator: ", ")))")
            }
            guard let model else { throw gv.error("a roofline needs the model's shape: add model: {name, params_b, quantization, layers, kv_heads, head_dim}") }
            return .roofline(model: model, gpu: gpu)
        }
        return model.map { .roofline(model: $0, gpu: nil) }
    }

    static func length(_ v: YAMLValue) throws -> LengthDistribution {
        if let n = try? v.int(in: 1...1_000_000) { return LengthDistribution(median: Double(n), sigma: 0, min: n, max: n) }
        return try ScenarioLoader.lengths(v)
    }
}

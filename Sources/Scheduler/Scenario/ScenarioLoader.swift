import Foundation
import FleetCore

/// Reads a scenario YAML file into a `Scenario`, checking every field; errors name the file,
/// the line and the field.
public enum ScenarioLoader {
    public static func load(file: String) throws -> Scenario {
        try parse(YAMLValue.load(contentsOf: file))
    }

    public static func parse(text: String, file: String) throws -> Scenario {
        try parse(YAMLValue.parse(text, file: file))
    }

    static func parse(_ doc: YAMLValue) throws -> Scenario {
        try doc.allowKeys(["name", "title", "description", "start_time", "seed", "api_baseline",
                           "gpus", "pools", "workload", "incidents", "actions"])
        let name = try doc.required("name").string()
        guard isValidName(name) else {
            throw try doc.required("name").error("use lowercase letters, digits and '-' only")
        }
        var catalog = GPUSpec.catalog
        if let gpus = try doc.optional("gpus") {
            for (key, value) in try gpus.entries() {
                guard var spec = catalog[key] else {
                    throw value.error("unknown GPU type (known: \(catalog.keys.sorted().joined(separator: ", ")))")
                }
                try value.allowKeys(["price_per_hour"])
                if let p = try value.optional("price_per_hour") { spec.pricePerHour = try p.double(in: 0...1000) }
                catalog[key] = spec
            }
        }
        let profiles = URL(fileURLWithPath: doc.file).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("profiles").path
        let pools = try doc.required("pools").array().map { try pool($0, catalog: catalog, profiles: profiles) }
        guard !pools.isEmpty else { throw try doc.required("pools").error("a scenario needs at least one pool") }
        // Each replica is an engine with its own KV cache and histories: a fleet past this is
        // gigabytes before its first step.
        let gpuNodes = pools.reduce(0) { total, p in
            if case .gpu(let g) = p.kind { return total + max(g.nodes, g.autoscale?.maxReplicas ?? 0) }
            return total
        }
        guard gpuNodes <= Scenario.maxNodes else {
            throw try doc.required("pools").error("the pools have \(gpuNodes) GPU nodes (counting autoscalers' maximums); a fleet has at most \(Scenario.maxNodes)")
        }
        var seen = Set<String>()
        for (p, v) in zip(pools, try doc.required("pools").array()) where !seen.insert(p.id).inserted {
            throw try v.required("id").error("duplicate pool id '\(p.id)'")
        }
        let workload = try workloadSpec(doc.required("workload"), poolIDs: seen, traces: traceFolder(doc.file))
        let nodeIDs = Set(pools.flatMap { p -> [String] in
            if case .gpu(let g) = p.kind { return (0..<g.nodes).map { NodeNaming.id(pool: p.id, index: $0) } }
            return []
        })
        let incidents = try (doc.optional("incidents")?.array() ?? []).map { try incident($0, nodeIDs: nodeIDs, pools: pools) }
        let poolIDs = Set(pools.map(\.id))
        var actions: [ScriptedAction] = []
        for a in try doc.optional("actions")?.array() ?? [] {
            actions.append(contentsOf: try scriptedActions(a, poolIDs: poolIDs, nodeIDs: nodeIDs))
        }
        return Scenario(
            name: name,
            title: try doc.required("title").string(),
            description: try doc.optional("description")?.string() ?? "",
            startTimeOfDay: try doc.optional("start_time").map(timeOfDay) ?? 9 * 3600,
            seed: UInt64(try doc.optional("seed")?.int(in: 0...Int.max) ?? 1),
            apiBaseline: try price(doc.required("api_baseline")),
            pools: pools,
            workload: workload,
            incidents: incidents.sorted { $0.at < $1.at },
            actions: actions.sorted { $0.at < $1.at })
    }

    static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 63 && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
        }
    }

    static func timeOfDay(_ v: YAMLValue) throws -> Double {
        let parts = try v.string().split(separator: ":").map { Int($0) }
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0 != nil }),
              let h = parts[0], let m = parts[1], (0..<24).contains(h), (0..<60).contains(m) else {
            throw v.error("expected a time of day such as \"09:30\"")
        }
        let s = parts.count == 3 ? parts[2]! : 0
        guard (0..<60).contains(s) else { throw v.error("expected a time of day such as \"09:30\" or \"09:30:15\"") }
        return Double(h * 3600 + m * 60 + s)
    }

    static func price(_ v: YAMLValue) throws -> TokenPrice {
        try v.allowKeys(["input_per_mtok", "output_per_mtok"])
        return TokenPrice(inputPerMillion: try v.required("input_per_mtok").double(in: 0...10_000),
                          outputPerMillion: try v.required("output_per_mtok").double(in: 0...10_000))
    }

    static func model(_ v: YAMLValue) throws -> ModelSpec {
        try v.allowKeys(["name", "params_b", "quantization", "layers", "kv_heads", "head_dim"])
        let q = try v.required("quantization").oneOf(Quantization.allCases.map(\.rawValue))
        return ModelSpec(name: try v.required("name").string(),
                         parametersBillions: try v.required("params_b").double(in: 0.01...2000),
                         quantization: Quantization(rawValue: q)!,
                         layers: try v.required("layers").int(in: 1...512),
                         kvHeads: try v.required("kv_heads").int(in: 1...256),
                         headDim: try v.required("head_dim").int(in: 8...1024))
    }

    /// `profile: NAME` is `NAME.json` in the profiles folder beside the scenarios folder (as in
    /// sample-data/); a value with a `/` is a path.
    static func poolProfile(_ v: YAMLValue, model: ModelSpec, folder: String) throws -> PoolProfile {
        let pv = try v.required("profile")
        let name = try pv.string()
        let path = name.contains("/") ? name : folder + "/" + name + ".json"
        guard FileManager.default.fileExists(atPath: path) else { throw pv.error("no node profile at \(path)") }
        let profile = try NodeProfileLoader.load(file: path)
        let wanted = try v.optional("profile_model")?.string() ?? model.name
        if let measured = profile.model(named: wanted) {
            // The table times this model: the pool's shape must be the one measured.
            let ratio = measured.parameters / (model.parametersBillions * 1e9)
            guard ratio > 0.9, ratio < 1.1, measured.layers == model.layers else {
                throw try (v.optional("profile_model") ?? v.required("model")).error(String(format:
                    "the profile's %@ (%.1fB parameters, %d layers) is not this pool's model (%.1fB, %d layers)",
                    measured.name, measured.parameters / 1e9, measured.layers, model.parametersBillions, model.layers))
            }
            var m = measured
            m.quantization = model.quantization
            if model.quantization != measured.quantization { m.table = nil }   // measured in another precision
            return PoolProfile(profile: profile, model: m)
        }
        if let mv = try v.optional("profile_model") {
            throw mv.error("the profile has no model '\(wanted)' (models: \(profile.models.map(\.name).joined(separator: ", ")))")
        }
        return PoolProfile(profile: profile, model: ProfiledModel(model))
    }

    static func pool(_ v: YAMLValue, catalog: [String: GPUSpec], profiles: String) throws -> PoolSpec {
        let id = try v.required("id").string()
        guard isValidName(id) else { throw try v.required("id").error("use lowercase letters, digits and '-' only") }
        let kindName = try v.optional("kind")?.oneOf(["gpu", "api"]) ?? "gpu"
        let common: Set<String> = ["id", "kind", "engine", "model", "version", "slo", "response_cache"]
        let kind: PoolSpec.Kind
        if kindName == "api" {
            try v.allowKeys(common.union(["latency", "price", "rate_limit_rps"]))
            let lat = try v.required("latency")
            try lat.allowKeys(["ttft_ms", "ttft_sigma", "tokens_per_second"])
            kind = .api(APIPoolSpec(ttftMedian: try lat.required("ttft_ms").double(in: 1...600_000) / 1000,
                                    ttftSigma: try lat.optional("ttft_sigma")?.double(in: 0...3) ?? 0.4,
                                    tokensPerSecond: try lat.required("tokens_per_second").double(in: 0.1...100_000),
                                    price: try price(v.required("price")),
                                    rateLimit: try v.optional("rate_limit_rps")?.double(in: 0.01...10_000_000)))
        } else {
            try v.allowKeys(common.union(["gpu", "gpus_per_node", "nodes", "max_num_seqs", "max_batched_tokens",
                                          "gpu_memory_utilization", "max_queue_per_node", "step_overhead_ms",
                                          "prefix_cache", "router", "autoscale", "profile", "profile_model"]))
            let gpu: GPUSpec
            var profiled: PoolProfile?
            if try v.optional("profile") != nil {
                if let gv = try v.optional("gpu") { throw gv.error("give gpu (a catalogue roofline) or profile, not both") }
                let p = try Self.poolProfile(v, model: try model(v.required("model")), folder: profiles)
                gpu = p.profile.gpuSpec
                guard gpu.memoryGiB > 0 else { throw try v.required("profile").error("the profile gives no memory_gib") }
                guard p.profile.hardware.pricePerHour != nil || GPUSpec.catalog[gpu.name] != nil else {
                    throw try v.required("profile").error("the profile gives no price_per_hour, so the pool's cost is unknown")
                }
                profiled = p
            } else {
                let gv = try v.required("gpu")
                let gpuName = try gv.string()
                guard let known = catalog[gpuName] else {
                    throw gv.error("unknown GPU type '\(gpuName)' (known: \(catalog.keys.sorted().joined(separator: ", ")))")
                }
                gpu = known
            }
            var prefix: PrefixCacheSpec?
            if let pc = try v.optional("prefix_cache") {
                try pc.allowKeys(["shared_prefix_tokens", "share"])
                prefix = PrefixCacheSpec(sharedPrefixTokens: try pc.required("shared_prefix_tokens").int(in: 0...1_000_000),
                                         share: try pc.required("share").double(in: 0...1))
            }
            kind = .gpu(GPUPoolSpec(
                gpu: gpu,
                gpusPerNode: try v.optional("gpus_per_node")?.int(in: 1...64) ?? 1,
                nodes: try v.required("nodes").int(in: 1...4096),
                maxNumSeqs: try v.optional("max_num_seqs")?.int(in: 1...4096) ?? 256,
                maxBatchedTokens: try v.optional("max_batched_tokens")?.int(in: 16...1_000_000) ?? 8192,
                gpuMemoryUtilization: try v.optional("gpu_memory_utilization")?.double(in: 0.05...1) ?? 0.9,
                maxQueuePerNode: try v.optional("max_queue_per_node")?.int(in: 1...1_000_000) ?? 256,
                stepOverhead: (try v.optional("step_overhead_ms")?.double(in: 0...10_000) ?? 4) / 1000,
                prefixCache: prefix,
                router: RouterPolicy(rawValue: try v.optional("router")?.oneOf(RouterPolicy.allCases.map(\.rawValue)) ?? "least_loaded")!,
                autoscale: try v.optional("autoscale").map(autoscale),
                profile: profiled))
        }
        var cache: ResponseCacheSpec?
        if let rc = try v.optional("response_cache") {
            try rc.allowKeys(["hit_rate", "latency_ms", "keys", "zipf_exponent", "capacity", "ttl_s"])
            let latency = (try rc.optional("latency_ms")?.double(in: 0...60_000) ?? 3) / 1000
            if let hr = try rc.optional("hit_rate") {
                for k in ["keys", "zipf_exponent", "capacity", "ttl_s"] where try rc.optional(k) != nil {
                    throw try rc.required(k).error("a cache has a fixed hit_rate or keys/capacity/ttl_s, not both")
                }
                cache = ResponseCacheSpec(hitRate: try hr.double(in: 0...1), latency: latency)
            } else {
                guard try rc.optional("keys") != nil else { throw rc.error("give hit_rate, or keys with capacity and ttl_s") }
                cache = ResponseCacheSpec(hitRate: 0, latency: latency, keyed: KeyedCacheSpec(
                    keys: try rc.required("keys").int(in: 1...1_000_000_000),
                    exponent: try rc.optional("zipf_exponent")?.double(in: 0.01...5) ?? 1,
                    capacity: try rc.required("capacity").int(in: 1...100_000_000),
                    ttl: try rc.required("ttl_s").double(in: 0.001...31_536_000)))
            }
        }
        let spec = PoolSpec(
            id: id,
            engine: try v.optional("engine")?.oneOf(["vllm", "sglang", "tgi", "llamacpp", "triton", "api"]) ?? "vllm",
            model: try model(v.required("model")),
            version: try v.optional("version")?.string() ?? "v1",
            kind: kind,
            objectives: try v.optional("slo").map { try SLOObjective.list(from: $0, allowed: [.ttft, .e2e], means: false) } ?? [],
            responseCache: cache)
        if case .gpu(let g) = spec.kind {
            // As vLLM insists: every running sequence must be able to decode in one step.
            if g.maxNumSeqs > g.maxBatchedTokens {
                throw try (v.optional("max_num_seqs") ?? v).error(
                    "max_num_seqs (\(g.maxNumSeqs)) exceeds max_batched_tokens (\(g.maxBatchedTokens))")
            }
            let weightsPerGPU = spec.model.weightBytes / Double(g.gpusPerNode) / 1_073_741_824
            if weightsPerGPU >= g.gpu.memoryGiB * g.gpuMemoryUtilization {
                throw try v.required("model").error(String(format:
                    "%.1f GiB of weights per GPU do not fit in %.0f GiB x %.2f; use more gpus_per_node or a smaller quantization",
                    weightsPerGPU, g.gpu.memoryGiB, g.gpuMemoryUtilization))
            }
            // What is left after the weights and vLLM's activation reserve must hold at least one
            // long request's KV cache.
            let settings = EngineSettings(gpuMemoryUtilization: g.gpuMemoryUtilization, tensorParallelSize: g.gpusPerNode)
            let blocks = settings.kvBlocks(memoryGiBPerGPU: g.gpu.memoryGiB, weightBytes: spec.model.weightBytes,
                                           kvBytesPerToken: spec.model.kvBytesPerToken) ?? 0
            if blocks * settings.blockSize < 2048 {
                throw try v.required("model").error(String(format:
                    "the weights leave room for %d KV tokens per node (%.0f GiB x %.2f less weights and activations); use more gpus_per_node, a smaller quantization or a higher gpu_memory_utilization",
                    blocks * settings.blockSize, g.gpu.memoryGiB, g.gpuMemoryUtilization))
            }
        }
        return spec
    }

    static func autoscale(_ v: YAMLValue) throws -> AutoscaleSpec {
        try v.allowKeys(["min", "max", "target_per_replica", "scale_up_after_s", "scale_down_after_s", "step"])
        let spec = AutoscaleSpec(minReplicas: try v.required("min").int(in: 1...4096),
                                 maxReplicas: try v.required("max").int(in: 1...4096),
                                 targetPerReplica: try v.required("target_per_replica").double(in: 0.1...100_000),
                                 scaleUpAfter: try v.optional("scale_up_after_s")?.double(in: 0...86_400) ?? 30,
                                 scaleDownAfter: try v.optional("scale_down_after_s")?.double(in: 0...86_400) ?? 300,
                                 step: try v.optional("step")?.int(in: 1...4096) ?? 1)
        guard spec.minReplicas <= spec.maxReplicas else { throw try v.required("max").error("max is below min") }
        return spec
    }

    static func lengths(_ v: YAMLValue) throws -> LengthDistribution {
        try v.allowKeys(["median", "sigma", "min", "max"])
        let d = LengthDistribution(median: try v.required("median").double(in: 1...1_000_000),
                                   sigma: try v.optional("sigma")?.double(in: 0...4) ?? 0.6,
                                   min: try v.optional("min")?.int(in: 1...1_000_000) ?? 1,
                                   max: try v.optional("max")?.int(in: 1...1_000_000) ?? 32768)
        guard d.min <= d.max else { throw v.error("min is greater than max") }
        return d
    }

    /// sample-data/traces beside sample-data/scenarios.
    static func traceFolder(_ scenarioFile: String) -> String {
        URL(fileURLWithPath: scenarioFile).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("traces").path
    }

    static func workloadSpec(_ v: YAMLValue, poolIDs: Set<String>, traces: String) throws -> WorkloadSpec {
        try v.allowKeys(["peak_rps", "daily_curve", "classes"])
        var curve: [(hour: Double, multiplier: Double)] = []
        if let c = try v.optional("daily_curve") {
            for p in try c.array() {
                let pair = try p.array()
                guard pair.count == 2 else { throw p.error("expected [hour, multiplier]") }
                let point = (hour: try pair[0].double(in: 0...24), multiplier: try pair[1].double(in: 0...100))
                if let last = curve.last, point.hour <= last.hour { throw p.error("hours must increase") }
                curve.append(point)
            }
        }
        let classes = try v.required("classes").array().map { c -> RequestClassSpec in
            try c.allowKeys(["name", "share", "priority", "pool", "split", "prompt_tokens", "output_tokens", "session", "trace"])
            var targets: [(pool: String, weight: Double)] = []
            if let p = try c.optional("pool") { targets = [(try p.string(), 1)] }
            if let s = try c.optional("split") {
                targets = try s.entries().map { ($0.key, try $0.value.double(in: 0...1)) }
            }
            guard !targets.isEmpty else { throw c.error("give the class a pool: or a split:") }
            for t in targets where !poolIDs.contains(t.pool) {
                throw c.error("unknown pool '\(t.pool)' (pools: \(poolIDs.sorted().joined(separator: ", ")))")
            }
            // A recorded trace gives the class its arrivals and lengths: no share, no distributions
            // (a later turn of a session draws its new message from prompt_tokens, if given).
            var trace: TraceFeed?
            if let tv = try c.optional("trace") {
                let name = try tv.string()
                // A path; else a file in sample-data/traces, with or without its extension.
                let candidates = name.contains("/") ? [name] : [traces + "/" + name, traces + "/" + name + ".jsonl"]
                guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                    throw tv.error("no trace at \(candidates.last!)")
                }
                trace = TraceFeed(requests: try ServingTraceReader.load(file: path), file: path)
                for k in ["share", "session"] where try c.optional(k) != nil {
                    throw try c.required(k).error("a class with a trace takes its arrivals from it: no \(k)")
                }
            }
            let flat = LengthDistribution(median: 1, sigma: 0, min: 1, max: 1)
            return RequestClassSpec(
                name: try c.required("name").string(),
                share: trace == nil ? try c.required("share").double(in: 0...1) : 0,
                priority: try c.optional("priority")?.int(in: 0...9) ?? 1,
                pools: targets,
                promptTokens: trace == nil ? try lengths(c.required("prompt_tokens")) : try c.optional("prompt_tokens").map(lengths) ?? flat,
                outputTokens: trace == nil ? try lengths(c.required("output_tokens")) : try c.optional("output_tokens").map(lengths) ?? flat,
                trace: trace,
                session: try c.optional("session").map { sv in
                    try sv.allowKeys(["turns", "think_s"])
                    return SessionSpec(meanTurns: try sv.required("turns").double(in: 1...1000),
                                       meanThinkTime: try sv.optional("think_s")?.double(in: 0...86_400) ?? 30)
                })
        }
        guard !classes.isEmpty else { throw try v.required("classes").error("a workload needs at least one class") }
        if classes.contains(where: { $0.trace == nil }), !classes.contains(where: { $0.trace == nil && $0.share > 0 }) {
            throw try v.required("classes").error("the classes without a trace have no share")
        }
        return WorkloadSpec(peakRate: try v.required("peak_rps").double(in: 0...10_000_000),
                            dailyCurve: curve, classes: classes)
    }

    /// `{at, kind: scale|degrade|drain|shift, ...}`; a degrade with `duration` also schedules
    /// its own undo.
    static func scriptedActions(_ v: YAMLValue, poolIDs: Set<String>, nodeIDs: Set<String>) throws -> [ScriptedAction] {
        try v.allowKeys(["at", "kind", "label", "pool", "delta", "mode", "duration", "node", "from", "to", "percent"])
        let at = try v.required("at").double(in: 0...10_000_000)
        let label = try v.optional("label")?.string()
        func pool(_ key: String) throws -> String {
            let pv = try v.required(key)
            let id = try pv.string()
            guard poolIDs.contains(id) else { throw pv.error("no pool '\(id)' in this scenario") }
            return id
        }
        switch try v.required("kind").oneOf(["scale", "degrade", "drain", "shift"]) {
        case "scale":
            let dv = try v.required("delta")
            let delta = try dv.int(in: -1000...1000)
            guard delta != 0 else { throw dv.error("delta must not be 0") }
            return [ScriptedAction(at: at, label: label, action: .scale(pool: try pool("pool"), delta: delta))]
        case "degrade":
            let id = try pool("pool")
            let mode = DegradeMode(rawValue: try v.required("mode").oneOf(DegradeMode.allCases.map(\.rawValue)))!
            var out = [ScriptedAction(at: at, label: label, action: .degrade(pool: id, mode: mode, on: true))]
            if let d = try v.optional("duration")?.double(in: 1...10_000_000) {
                out.append(ScriptedAction(at: at + d, label: label.map { "\($0) ends" }, action: .degrade(pool: id, mode: mode, on: false)))
            }
            return out
        case "drain":
            let nv = try v.required("node")
            let node = try nv.string()
            guard nodeIDs.contains(node) else { throw nv.error("no node '\(node)' in this scenario") }
            return [ScriptedAction(at: at, label: label, action: .drain(node: node))]
        default:
            let from = try pool("from")
            return [ScriptedAction(at: at, label: label, action: .shift(toward: try pool("to"), from: from,
                                                                          percent: try v.required("percent").double(in: 0...100)))]
        }
    }

    static func incident(_ v: YAMLValue, nodeIDs: Set<String>, pools: [PoolSpec]) throws -> IncidentSpec {
        try v.allowKeys(["at", "duration", "label", "kind", "multiplier", "ramp_s", "node", "reason", "pool", "rps"])
        let kindName = try v.required("kind").oneOf(["load_spike", "node_down", "cache_flush", "api_quota"])
        let kind: IncidentSpec.Kind
        var label = try v.optional("label")?.string()
        if kindName == "load_spike" {
            if label == nil { label = try v.required("label").string() }
            kind = .loadSpike(multiplier: try v.required("multiplier").double(in: 0...1000),
                              ramp: try v.optional("ramp_s")?.double(in: 0...86_400) ?? 0)
        } else if kindName == "cache_flush" || kindName == "api_quota" {
            let pv = try v.required("pool")
            let id = try pv.string()
            guard let pool = pools.first(where: { $0.id == id }) else { throw pv.error("no pool '\(id)' in this scenario") }
            if kindName == "cache_flush" {
                guard pool.responseCache != nil else { throw pv.error("pool '\(id)' has no response_cache to flush") }
                kind = .cacheFlush(pool: id)
                if label == nil { label = "\(id) response cache flushed: cold start" }
            } else {
                guard case .api = pool.kind else { throw pv.error("pool '\(id)' is not an API tier") }
                let rps = try v.required("rps").double(in: 0.01...10_000_000)
                kind = .apiQuota(pool: id, rps: rps)
                if label == nil { label = String(format: "%@ quota cut to %.0f requests/s", id, rps) }
            }
        } else {
            let nv = try v.required("node")
            let node = try nv.string()
            guard nodeIDs.contains(node) else { throw nv.error("no node '\(node)' in this scenario") }
            let reason = try v.optional("reason")?.string() ?? "node failure"
            kind = .nodeDown(node: node, reason: reason)
            if label == nil { label = "\(node) down: \(reason)" }
        }
        return IncidentSpec(at: try v.required("at").double(in: 0...10_000_000),
                            duration: try v.required("duration").double(in: 0...10_000_000),
                            label: label ?? "", kind: kind)
    }
}

import FleetCore
import Foundation

/// Reads a node profile (JSON, or the same structure in YAML) and checks that it is physically
/// possible; errors name the file, the line and the field.
public enum NodeProfileLoader {
    public static func load(file: String) throws -> NodeProfile {
        try parse(YAMLValue.load(contentsOf: file))
    }

    public static func parse(text: String, file: String) throws -> NodeProfile {
        try parse(YAMLValue.parse(text, file: file))
    }

    static func parse(_ doc: YAMLValue) throws -> NodeProfile {
        // torch, transformers, gpu and nvidia_smi: provenance, as the calibration files carry it.
        try doc.allowKeys(["name", "description", "hardware", "models", "torch", "transformers", "gpu", "nvidia_smi"])
        let hw = try hardware(doc)
        let name = try doc.optional("name")?.string() ?? URL(fileURLWithPath: doc.file).deletingPathExtension().lastPathComponent
        var models: [ProfiledModel] = []
        if let mv = try doc.optional("models") {
            for (key, value) in try mv.entries() { models.append(try model(key, value)) }
        }
        return NodeProfile(name: name, description: try doc.optional("description")?.string() ?? "",
                           hardware: hw, models: models)
    }

    static func hardware(_ doc: YAMLValue) throws -> ProfiledHardware {
        let h = try doc.required("hardware")
        try h.allowKeys(["gpu", "memory_gib", "copy_TBps_read_plus_write", "bandwidth_TBps", "bf16_matmul_8192_TFLOPs",
                         "bf16_TFLOPs", "step_floor_ms", "price_per_hour", "idle_watts", "max_watts",
                         "allreduce_latency_us", "allreduce_GBps"])
        func either(_ a: String, _ b: String, in range: ClosedRange<Double>) throws -> Double {
            if let v = try h.optional(a) ?? h.optional(b) { return try v.double(in: range) }
            throw h.error("give \(a) (or \(b))")
        }
        let bandwidth = try either("bandwidth_TBps", "copy_TBps_read_plus_write", in: 0.001...100) * 1e12
        let flops = try either("bf16_TFLOPs", "bf16_matmul_8192_TFLOPs", in: 0.001...100_000) * 1e12
        var memory = try h.optional("memory_gib")?.double(in: 0.5...4096)
        if memory == nil, let smi = try doc.optional("nvidia_smi")?.string() { memory = memoryFromNvidiaSMI(smi) }
        if let mv = try h.optional("memory_gib"), let m = memory, m <= 0 { throw mv.error("memory must be positive") }
        let gpuName = try h.optional("gpu")?.string() ?? doc.optional("gpu")?.string() ?? "unnamed"
        var hw = ProfiledHardware(gpu: gpuName, memoryGiB: memory, bandwidth: bandwidth, flops: flops,
                                  stepFloor: (try h.optional("step_floor_ms")?.double(in: 0...100_000) ?? 0) / 1000,
                                  pricePerHour: try h.optional("price_per_hour")?.double(in: 0...10_000),
                                  watts: try watts(h))
        let latency = try h.optional("allreduce_latency_us"), gbps = try h.optional("allreduce_GBps")
        if (latency == nil) != (gbps == nil) {
            throw (latency ?? gbps)!.error("give allreduce_latency_us and allreduce_GBps together (a tensor-parallel all-reduce's fixed time and bandwidth)")
        }
        if let latency, let gbps {
            hw.allReduce = AllReduceCost(latency: try latency.double(in: 0...100_000) / 1e6, bandwidth: try gbps.double(in: 0.001...100_000) * 1e9)
        }
        return hw
    }

    static func watts(_ h: YAMLValue) throws -> (idle: Double, max: Double)? {
        guard let mv = try h.optional("max_watts") else {
            if let iv = try h.optional("idle_watts") { throw iv.error("give max_watts with idle_watts") }
            return nil
        }
        let maxW = try mv.double(in: 0.1...100_000)
        let idle = try h.optional("idle_watts")?.double(in: 0...100_000) ?? 0.1 * maxW
        guard idle <= maxW else { throw try h.required("idle_watts").error("idle power above the maximum") }
        return (idle, maxW)
    }

    /// "NVIDIA H100 80GB HBM3, 81559 MiB, ..." -> 79.6 GiB: the memory column of
    /// `nvidia-smi --query-gpu=name,memory.total --format=csv`.
    static func memoryFromNvidiaSMI(_ text: String) -> Double? {
        for line in text.split(separator: "\n") {
            for field in line.split(separator: ",") {
                let f = field.trimmingCharacters(in: .whitespaces)
                // The range memory_gib takes: "inf MiB" or "1e300 MiB" is no GPU.
                if f.hasSuffix(" MiB"), let mib = Double(f.dropLast(4)), (512...4_194_304).contains(mib) { return mib / 1024 }
            }
        }
        return nil
    }

    static func model(_ name: String, _ v: YAMLValue) throws -> ProfiledModel {
        try v.allowKeys(["config", "head_dim", "params", "kv_bytes_per_token", "prefill", "decode", "attention", "dtype", "quantization"])
        let c = try v.required("config")
        try c.allowKeys(["hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                         "intermediate_size", "vocab_size"])
        let hidden = try c.required("hidden_size").int(in: 1...1_000_000)
        let layers = try c.required("num_hidden_layers").int(in: 1...1024)
        let heads = try c.required("num_attention_heads").int(in: 1...4096)
        let kvHeadsV = try c.required("num_key_value_heads")
        let kvHeads = try kvHeadsV.int(in: 1...4096)
        guard heads % kvHeads == 0 else { throw kvHeadsV.error("\(heads) attention heads do not divide into \(kvHeads) KV heads") }
        let headDim: Int
        if let hv = try v.optional("head_dim") {
            headDim = try hv.int(in: 1...4096)
        } else {
            guard hidden % heads == 0 else {
                throw try c.required("hidden_size").error("\(hidden) does not divide into \(heads) heads; give head_dim")
            }
            headDim = hidden / heads
        }
        let params = try v.required("params").double(in: 1e6...1e14)
        var quantization = Quantization.bf16
        if let q = try v.optional("quantization") ?? v.optional("dtype") {
            quantization = Quantization(rawValue: try q.oneOf(Quantization.allCases.map(\.rawValue)))!
        }
        // K and V in the model's 16-bit dtype unless stated: every layer, every KV head.
        let derivedKV = Double(2 * layers * kvHeads * headDim * 2)
        var kvBytes = derivedKV
        if let kv = try v.optional("kv_bytes_per_token") {
            kvBytes = try kv.double(in: 1...1e9)
            guard abs(kvBytes - derivedKV) <= 0.5 * derivedKV else {
                throw kv.error(String(format: "%.0f bytes per token disagrees with the config (%.0f)", kvBytes, derivedKV))
            }
        }
        var table: MeasuredStepTable?
        let pv = try v.optional("prefill"), dv = try v.optional("decode")
        if pv != nil || dv != nil {
            guard let pv, let dv else { throw v.error("a measured model needs both prefill and decode tables") }
            var prefill: [(tokens: Double, seconds: Double)] = []
            for row in try pv.array() {
                try row.allowKeys(["batch", "tokens", "median_ms", "p90_ms"])
                let batch = try row.optional("batch")?.int(in: 1...100_000) ?? 1
                let tokens = try row.required("tokens").int(in: 1...10_000_000)
                prefill.append((Double(batch * tokens), try milliseconds(row)))
            }
            var decode: [(batch: Double, context: Double, seconds: Double)] = []
            for row in try dv.array() {
                try row.allowKeys(["batch", "context", "median_ms", "p90_ms"])
                decode.append((Double(try row.required("batch").int(in: 1...100_000)),
                               Double(try row.required("context").int(in: 0...100_000_000)),
                               try milliseconds(row)))
            }
            guard !prefill.isEmpty else { throw pv.error("the prefill table is empty") }
            guard !decode.isEmpty else { throw dv.error("the decode table is empty") }
            table = MeasuredStepTable(prefill: prefill, decode: decode)
        }
        return ProfiledModel(name: name, parameters: params, layers: layers,
                             attentionHeads: heads, kvHeads: kvHeads, headDim: headDim,
                             quantization: quantization, kvBytesPerToken: kvBytes, table: table)
    }

    static func milliseconds(_ row: YAMLValue) throws -> Double {
        let v = try row.required("median_ms")
        let ms = try v.double()
        guard ms > 0, ms < 3_600_000 else { throw v.error("a step time must be positive (got \(ms) ms)") }
        return ms / 1000
    }
}

import MetricsFormats
/// NVIDIA dcgm-exporter: one series per GPU (`gpu` label). Units as DCGM gives them:
/// utilisation in percent, framebuffer in MiB (used + free + reserved = the board), power in W,
/// temperature in °C.
public struct DCGMMapping: MetricsMapping {
    public let stack = Stack.dcgm
    public init() {}

    public func detects(_ e: Exposition) -> Bool {
        FamilyIndex.mentions(e, ["DCGM_FI_DEV_GPU_UTIL"])
    }

    public func read(_ e: Exposition) -> EngineReading {
        let i = FamilyIndex(e)
        var r = EngineReading(stack: stack, models: [])
        func perGPU(_ name: String) -> [Int: Double] {
            var out: [Int: Double] = [:]
            for s in i.families[name]?.samples ?? [] {
                if let g = s.label("gpu").flatMap(Int.init), s.value.isFinite { out[g] = s.value }
            }
            return out
        }
        let util = perGPU("DCGM_FI_DEV_GPU_UTIL"), used = perGPU("DCGM_FI_DEV_FB_USED"), free = perGPU("DCGM_FI_DEV_FB_FREE")
        let power = perGPU("DCGM_FI_DEV_POWER_USAGE"), temp = perGPU("DCGM_FI_DEV_GPU_TEMP")
        let reserved = perGPU("DCGM_FI_DEV_FB_RESERVED")
        var names: [Int: String] = [:]
        for s in i.families["DCGM_FI_DEV_GPU_UTIL"]?.samples ?? [] {
            if let g = s.label("gpu").flatMap(Int.init) { names[g] = s.label("modelName") }
        }
        r.gpus = util.keys.sorted().map { g -> EngineReading.GPU in
            var total: Double?
            if let u = used[g], let f = free[g] { total = (u + f + (reserved[g] ?? 0)) / 1024 }
            return EngineReading.GPU(index: g, name: names[g], utilization: util[g].map { $0 / 100 },
                                     memoryUsedGiB: used[g].map { $0 / 1024 }, memoryTotalGiB: total,
                                     powerWatts: power[g], temperatureC: temp[g])
        }
        return r
    }
}

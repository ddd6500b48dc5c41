import FleetCore

/// Which accelerator a pool should run on, as Mélange chooses offline: for every GPU type in
/// the catalogue the pool's model fits on, the fewest replicas (at the fewest GPUs each) that
/// meet the pool's objectives at the scenario's busiest hour, and what they cost. The answer
/// is a plan, not an action: moving a pool to other hardware is a deployment, not a key press.
public enum GPUTypePlanner {
    public struct Option: Sendable, Encodable {
        public var gpu: String
        public var gpusPerNode: Int
        /// Nil when no count up to the ceiling met the objectives.
        public var nodes: Int?
        public var dollarsPerHour: Double?
        public var attainment: Double?
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case gpu, nodes, attainment, note
            case gpusPerNode = "gpus_per_node", dollarsPerHour = "dollars_per_hour"
        }
    }

    /// GPUs per replica that hold the weights with room for a KV cache (a tenth of the
    /// budget at least), 1, 2, 4 or 8. More GPUs per replica cut the step time, which a
    /// latency objective may need whatever the replica count.
    static func gpusPerNode(_ model: ModelSpec, on gpu: GPUSpec, utilization: Double) -> [Int] {
        [1, 2, 4, 8].filter { n in
            let budget = gpu.memoryGiB * 1_073_741_824 * Double(n) * utilization
            return model.weightBytes < budget * 0.9
        }
    }

    /// The hour of the day at which the workload's curve peaks, in seconds after midnight.
    static func peakTimeOfDay(_ w: WorkloadSpec) -> Double {
        (w.dailyCurve.max { $0.multiplier < $1.multiplier }?.hour ?? 12) * 3600
    }

    /// The fewest replicas of `perNode` GPUs that meet every objective of pool `pi`, and the
    /// attainment they reach: a doubling search, then bisection. Nil when even `ceiling` miss.
    static func fewestReplicas(_ base: Scenario, pool pi: Int, spec: GPUPoolSpec, gpu: GPUSpec, perNode: Int, ceiling: Int,
                               warmup: Double, measure: Double, seed: UInt64) -> (Int, Double)? {
        func meets(_ n: Int) -> Double? {
            var sc = base
            var g = spec
            g.gpu = gpu; g.gpusPerNode = perNode; g.nodes = n; g.profile = nil; g.kvBlocks = nil
            sc.pools[pi].kind = .gpu(g)
            let sim = FleetSimulator(scenario: sc, seed: seed)
            sim.advance(to: warmup)
            sim.collectReport()
            sim.advance(to: warmup + measure)
            guard let p = sim.report(duration: measure)?.pools[pi] else { return nil }
            let ok = p.slo.allSatisfy { RecommendationRanking.shortfall($0, decided: p.completed + p.shed - p.refused) == 0 }
            return ok ? (p.slo.map(\.attainment).min() ?? 1) : nil
        }
        var hi = 1
        var found = meets(1)
        while found == nil && hi < ceiling {
            hi = min(ceiling, hi * 2)
            found = meets(hi)
        }
        guard var attainment = found else { return nil }
        var lo = hi / 2
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if let a = meets(mid) { hi = mid; attainment = a } else { lo = mid }
        }
        return (hi, attainment)
    }

    /// Every GPU type for pool `id`, cheapest first (those that meet nothing last).
    public static func plan(_ scenario: Scenario, pool id: String, gpus: [GPUSpec]? = nil, warmup: Double = 300,
                            measure: Double = 900, seed: UInt64? = nil) -> [Option] {
        guard let pi = scenario.pools.firstIndex(where: { $0.id == id }), case .gpu(let spec) = scenario.pools[pi].kind else { return [] }
        let model = scenario.pools[pi].model
        let ceiling = max(4, spec.nodes * 4)
        var base = PolicyBacktest.unmanaged(scenario)
        base.incidents = []
        base.startTimeOfDay = max(0, peakTimeOfDay(scenario.workload) - warmup)
        let candidates = gpus ?? GPUSpec.catalog.values.filter { !$0.name.hasPrefix("CPU") && !$0.name.hasPrefix("ARM") }
            .sorted { $0.name < $1.name }
        var out: [Option] = []
        for gpu in candidates {
            let sizes = gpusPerNode(model, on: gpu, utilization: spec.gpuMemoryUtilization)
            guard !sizes.isEmpty else {
                out.append(Option(gpu: gpu.name, gpusPerNode: 0, note: "\(model.name) does not fit on 8"))
                continue
            }
            var best: Option?
            for perNode in sizes {
                guard let (nodes, attainment) = fewestReplicas(base, pool: pi, spec: spec, gpu: gpu, perNode: perNode,
                                                             ceiling: ceiling, warmup: warmup, measure: measure,
                                                             seed: seed ?? scenario.seed) else { continue }
                let cost = Double(nodes * perNode) * gpu.pricePerHour
                if best == nil || cost < best!.dollarsPerHour! {
                    best = Option(gpu: gpu.name, gpusPerNode: perNode, nodes: nodes, dollarsPerHour: cost, attainment: attainment)
                }
            }
            out.append(best ?? Option(gpu: gpu.name, gpusPerNode: sizes.last!,
                                      note: "misses the SLO even with \(ceiling) replicas of \(sizes.last!)"))
        }
        return out.sorted { ($0.dollarsPerHour ?? .infinity, $0.gpu) < ($1.dollarsPerHour ?? .infinity, $1.gpu) }
    }
}

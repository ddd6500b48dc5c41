import FleetCore
import Foundation

/// A trace replayed over a pool of nodes rather than one: the nodes a profile and an engine
/// describe, `nodes` of them, behind a router, fed by the trace (streamed, `TraceFeed`). It
/// is a scenario with one pool and one class whose arrivals are the trace's, so the fleet's
/// whole machinery applies (the router, the autoscaler, the report's percentiles, cost and
/// SLO attainment). `simulate --trace FILE --pool N[xPROFILE]`. A streamed feed is read once:
/// a second run needs a new feed.
public struct TracePoolReplay {
    public var feed: TraceFeed
    public var profile: NodeProfile
    public var model: ProfiledModel
    public var engine: EngineSettings
    public var nodes: Int
    public var router: RouterPolicy
    public var objectives: [SLOObjective]
    public var autoscale: AutoscaleSpec?

    public init(feed: TraceFeed, profile: NodeProfile, profileFile: String, modelName: String?, engine: EngineSettings,
                nodes: Int, router: RouterPolicy, objectives: [SLOObjective], autoscale: AutoscaleSpec? = nil) throws {
        // The single-node replay's checks: the model exists and fits, the cache can be sized.
        _ = try TraceReplay(profile: profile, profileFile: profileFile, modelName: modelName, engine: engine)
        // A request longer than a node's KV cache is shed, as an engine refuses it; one that
        // no step could ever schedule would wait for ever, so it is an error at its line.
        let budget = engine.enableChunkedPrefill ? Int.max : engine.maxNumBatchedTokens
        feed.check = { r in
            if r.promptTokens > budget {
                return "a \(r.promptTokens)-token prompt exceeds max_num_batched_tokens (\(budget)) and chunked prefill is off"
            }
            return nil
        }
        self.feed = feed; self.profile = profile; self.engine = engine
        self.model = profile.model(named: modelName)!
        self.nodes = nodes; self.router = router; self.objectives = objectives; self.autoscale = autoscale
    }

    public var scenario: Scenario {
        var gpu = profile.gpuSpec
        if gpu.pricePerHour == 0 { gpu.pricePerHour = GPUSpec.catalog[gpu.name]?.pricePerHour ?? 0 }
        var spec = GPUPoolSpec(gpu: gpu, gpusPerNode: engine.tensorParallelSize, nodes: nodes, maxNumSeqs: engine.maxNumSeqs,
                               maxBatchedTokens: engine.maxNumBatchedTokens, gpuMemoryUtilization: engine.gpuMemoryUtilization,
                               maxQueuePerNode: 1_000_000, stepOverhead: engine.stepOverhead, prefixCache: nil,
                               router: router, autoscale: autoscale, profile: PoolProfile(profile: profile, model: model))
        spec.engine = engine
        let pool = PoolSpec(id: "trace", engine: engine.kind.rawValue, model: model.modelSpec, version: profile.name,
                            kind: .gpu(spec), objectives: objectives, responseCache: nil)
        let flat = LengthDistribution(median: 1, sigma: 0, min: 1, max: 1)
        let requests = RequestClassSpec(name: "trace", share: 0, priority: 1, pools: [("trace", 1)],
                                        promptTokens: flat, outputTokens: flat, trace: feed)
        return Scenario(name: "trace", title: (feed.file as NSString).lastPathComponent,
                        description: "\(feed.file) over \(nodes) × \(profile.name)", startTimeOfDay: 0, seed: 1,
                        apiBaseline: TokenPrice(inputPerMillion: 0, outputPerMillion: 0), pools: [pool],
                        workload: WorkloadSpec(peakRate: 0, dailyCurve: [], classes: [requests]), incidents: [])
    }

    /// Runs until the trace has no more arrivals and every request has finished, or until
    /// `limit` simulated seconds. Returns the simulator (for its report) and the time reached.
    /// Samples (the queue peak, the pool's series) come every `sampleInterval` simulated
    /// seconds: every second, as a scenario's report has them, cost a fifth of a replay.
    public func run(limit: Double = .infinity, slice: Double = 60, sampleInterval: Double = 5) -> (simulator: FleetSimulator, seconds: Double) {
        let simulator = FleetSimulator(scenario: scenario, seed: 1, sampleInterval: sampleInterval)
        simulator.collectReport()
        var t = 0.0
        repeat {
            t = min(limit, t + slice)
            simulator.advance(to: t)
        } while t < limit && !(simulator.traceDrained && simulator.totals.inSystem == 0)
        return (simulator, t)
    }
}

extension FleetSimulator {
    /// No trace arrival is pending: every trace class has had its last request.
    public var traceDrained: Bool {
        !state.payloads.contains { kind in
            if case .traceArrival = kind { return true }
            return false
        }
    }
}

import FleetCore
import Foundation

/// The scheduler model as a twin of a watched fleet (Docs/twin.md). It reads every snapshot
/// the fleet's telemetry produces; each round it refits each pool's model to the last window,
/// plays that window's load through a fleet built from the models to predict its latency (set
/// beside what the pool's telemetry showed), and hands the advisor that fleet, run to the
/// window's steady state, to fork for its what-ifs. Single-threaded: the advisor's thread owns it.
public final class FleetTwin {
    public let settings: TwinSettings
    private var observer: TwinObserver
    private let seed: UInt64
    private var rounds: UInt64 = 0
    public private(set) var models: [TwinPoolModel] = []
    public private(set) var reports: [TwinPoolReport] = []
    public private(set) var unmodelled: [TwinUnmodelled] = []

    /// Simulated requests a prediction may spend: more runs give steadier percentiles.
    public var predictionBudget = 20_000.0
    /// Requests a second the twin simulates, where slicing its pools can bring it that low:
    /// a pool bigger than that needs is played as a slice of itself (`PoolSlice`), each of its
    /// nodes at a real node's load. An advisor round's eight what-ifs, ten minutes each, then
    /// cost about the same on any fleet (Docs/twin.md, "Slices").
    public var simulatedRate = 30.0

    public init(settings: TwinSettings = TwinSettings(), seed: UInt64 = 1) {
        self.settings = settings
        self.seed = seed
        observer = TwinObserver(window: settings.window)
    }

    public func observe(_ snapshot: FleetSnapshot) { observer.observe(snapshot) }

    /// Refits every pool to its last window and predicts that window. Returns the twin fleet
    /// at the window's steady state, for the advisor to fork; nil when no pool can be modelled.
    @discardableResult
    public func calibrate() -> FleetSimulator? {
        rounds += 1
        guard let snapshot = observer.latest else { return nil }
        let windows = refit()
        var objectives: [String: [SLOObjective]] = [:]
        for row in snapshot.latency { objectives[row.pool] = row.objectives }
        guard !models.isEmpty else {
            reports = []
            return nil
        }
        // The analytic fit reads a batch size from gauges sampled once a second; the played
        // fleet's own time per output token at the window's load is the better judge. The
        // decode terms are scaled until the twin reproduces the observed figure. Means and
        // medians settle on a quarter of the budget; the prediction's p95 gets all of it.
        var played = play(objectives: objectives, timeOfDay: snapshot.timeOfDay, budget: predictionBudget / 4)
        while rescale(toward: played.tpotMean, ttft: played.points) {
            played = play(objectives: objectives, timeOfDay: snapshot.timeOfDay, budget: predictionBudget / 4)
        }
        played = play(objectives: objectives, timeOfDay: snapshot.timeOfDay, budget: predictionBudget)
        let predicted = played.points
        let backlog = Self.addBacklog(played.fleet, observed: snapshot)
        reports = models.enumerated().map { pi, m in
            let w = windows.first { $0.pool == m.pool }
            // The twin's pools are its models, in the same order.
            let simulated = played.fleet.state.pools[pi].slice == nil ? m.nodes : played.fleet.pools[pi].nodeIndices.count
            let slice = simulated < m.nodes ? ["played as a slice: \(simulated) of \(m.nodes) nodes, each at a real node's load"] : []
            return TwinPoolReport(pool: m.pool, windowEnd: snapshot.time, window: settings.window, nodes: m.nodes,
                                  arrivalRate: m.arrivalRate, promptTokens: TwinCalibration.mean(m.promptTokens),
                                  outputTokens: TwinCalibration.mean(m.outputTokens), slots: m.slots,
                                  stepAtOne: m.step.base + m.step.perSequence, perSequence: m.step.perSequence,
                                  perPromptToken: m.step.perPromptToken, observedTPOT: m.observedTPOT, meanBatch: m.meanBatch,
                                  stepShape: m.stepShape,
                                  predicted: predicted[m.pool],
                                  observed: w.flatMap { Self.observed($0.latency) },
                                  notes: m.notes + slice + (backlog[m.pool].map { ["what-ifs start with \($0) more waiting: the queue the pool holds now"] } ?? []))
        }
        return played.fleet
    }

    /// Each pool's model fitted afresh to its last window (the analytic fit only, no play);
    /// returns the windows it read.
    @discardableResult
    public func refit() -> [TwinWindow] {
        let windows = observer.windows()
        models = []; unmodelled = []
        for w in windows {
            switch TwinCalibration.fit(w, settings: settings.pool(w.pool)) {
            case .success(let m): models.append(m)
            case .failure(let u): unmodelled.append(u)
            }
        }
        return windows
    }

    /// The twin's steady state has the window's mean queue; the fleet may hold more right now
    /// (a burst). What it holds beyond the twin's is admitted at once, so the what-ifs start
    /// from the queue the operator sees. Returns the requests added per pool.
    static func addBacklog(_ fleet: FleetSimulator, observed snapshot: FleetSnapshot) -> [String: Int] {
        var added: [String: Int] = [:]
        for (pi, pool) in fleet.pools.enumerated() {
            guard let seen = snapshot.pools.first(where: { $0.id == pool.spec.id })?.waiting else { continue }
            // A slice holds its share of the queue, and is given its share of the difference.
            let keep = fleet.state.pools[pi].slice?.keep ?? 1
            let twin = Double(pool.nodeIndices.reduce(0) { $0 + fleet.nodes[$1].waiting.count }) / keep
            let more = min(seen - Int(twin.rounded()), 100_000)
            guard more > 0 else { continue }
            // The twin's classes are its pools, in the same order.
            for _ in 0..<Int((Double(more) * keep).rounded(.up)) { fleet.admit(classIndex: pi, pool: pi, turn: nil) }
            added[pool.spec.id] = more
        }
        return added
    }

    /// The fleet of the current models, played through the window (same seed each time).
    private func play(objectives: [String: [SLOObjective]], timeOfDay: Double, budget: Double)
        -> (fleet: FleetSimulator, points: [String: LatencyPoints], tpotMean: [String: Double]) {
        let scenario = Self.scenario(models, objectives: objectives, startTimeOfDay: timeOfDay, simulatedRate: simulatedRate)
        let fleet = FleetSimulator(scenario: scenario, seed: seed &+ rounds, historyCapacity: 16)
        let (points, tpot) = predict(fleet, window: settings.window, budget: budget)
        for i in models.indices { models[i].passes += 1 }
        return (fleet, points, tpot)
    }

    /// Scales each model's decode terms by observed / played time per output token, and its
    /// prompt cost by observed / played TTFT p50 where it is fitted to the TTFT (a TTFT also
    /// waits for steps in progress, so this undershoots and converges from one side); false
    /// when every pool is within `tolerance` or has had its `maxPasses` plays.
    private func rescale(toward played: [String: Double], ttft: [String: LatencyPoints]) -> Bool {
        var changed = false
        for i in models.indices where models[i].passes < Self.maxPasses {
            if let simulated = played[models[i].pool], simulated > 0 {
                let ratio = models[i].observedTPOT / simulated
                if abs(ratio - 1) > Self.tolerance {
                    models[i].step.base *= ratio
                    models[i].step.perSequence *= ratio
                    changed = true
                }
            }
            if let target = models[i].observedTTFT, let simulated = ttft[models[i].pool]?.ttftP50, simulated > 0,
               abs(target / simulated - 1) > Self.ttftTolerance {
                models[i].step.perPromptToken *= min(10, max(0.1, target / simulated))
                changed = true
            }
        }
        return changed
    }

    /// Plays a warm-up, then as much of the same load as the budget allows (up to ten
    /// windows): the twin's distribution at that load, steadier than one window's requests.
    func predict(_ fleet: FleetSimulator, window: Double, budget: Double) -> (points: [String: LatencyPoints], tpotMean: [String: Double]) {
        // A busy fleet reaches its steady state in seconds and gives thousands of requests a
        // second: the budget, not the window, bounds both the warm-up and the play.
        let rate = max(fleet.offeredRate * fleet.simulatedShare, 1e-9)
        let warm = min(window, max(5, 0.5 * budget / rate))
        let span = min(10 * window, max(5, budget / rate))
        fleet.advance(to: warm)
        fleet.collectReport()
        fleet.advance(to: warm + span)
        guard let report = fleet.report(duration: span) else { return ([:], [:]) }
        var points: [String: LatencyPoints] = [:], tpot: [String: Double] = [:]
        for (pi, p) in report.pools.enumerated() {
            points[p.pool] = LatencyPoints(ttftP50: p.ttft?.p50, ttftP95: p.ttft?.p95, e2eP50: p.e2e?.p50, e2eP95: p.e2e?.p95)
            if let h = fleet.state.report?.pools[pi].tpot, h.totalCount > 0 { tpot[p.pool] = h.mean / 1e6 }
        }
        return (points, tpot)
    }

    /// Plays of the window a calibration may take, and how close (as a ratio) the played time
    /// per output token must come to the observed one to stop early.
    static let maxPasses = 4
    static let tolerance = 0.02
    /// The TTFT p50 is a quantile of a coarse histogram (vLLM's buckets are 10-25% apart).
    static let ttftTolerance = 0.05

    static func observed(_ latency: PoolLatency?) -> LatencyPoints? {
        guard let l = latency, l.samples > 0 else { return nil }
        let points = LatencyPoints(ttftP50: l.ttft.p50, ttftP95: l.ttft.p95, e2eP50: l.e2e.p50, e2eP95: l.e2e.p95)
        return points.isEmpty ? nil : points
    }

    /// Slots a slice keeps at least: nodes with few slots (llama.cpp's) pool their queues
    /// through the router, so a slice of them must keep enough for the pooling to show.
    static let minimumSliceSlots = 64

    /// The share of every pool's nodes that brings the fleet's load to `simulatedRate`.
    static func sliceFraction(_ models: [TwinPoolModel], simulatedRate: Double) -> Double {
        min(1, simulatedRate / max(models.reduce(0) { $0 + $1.arrivalRate }, 1e-9))
    }

    /// Nodes simulated for a pool: all of them, or the `fraction` of them (rounded up) when that
    /// is more than the slice's floor of slots.
    static func simulatedNodes(_ m: TwinPoolModel, fraction: Double) -> Int {
        let floor = Int((Double(minimumSliceSlots) / Double(max(m.slots, 1))).rounded(.up))
        return min(m.nodes, max(1, floor, Int((Double(m.nodes) * fraction).rounded(.up))))
    }

    /// A scenario of the modelled pools: one GPU pool each, with the fitted step, its slots and
    /// batch limit, and one Poisson request class each at its arrival rate and lengths. Pools
    /// are sliced down to about `simulatedRate` requests a second in all.
    static func scenario(_ models: [TwinPoolModel], objectives: [String: [SLOObjective]], startTimeOfDay: Double,
                         simulatedRate: Double = .infinity) -> Scenario {
        let total = max(models.reduce(0) { $0 + $1.arrivalRate }, 1e-9)
        let fraction = sliceFraction(models, simulatedRate: simulatedRate)
        let pools = models.map { m -> PoolSpec in
            // The twin knows no GPU: a node is its fitted step, its slots and its price.
            let gpu = GPUSpec(name: "twin", memoryGiB: 80, bandwidthGBs: 1, teraflops: 1, pricePerHour: m.pricePerNodeHour,
                              idleWatts: 0, maxWatts: 0)
            let simulated = simulatedNodes(m, fraction: fraction)
            var spec = GPUPoolSpec(gpu: gpu, gpusPerNode: 1, nodes: simulated, maxNumSeqs: m.slots,
                                   maxBatchedTokens: m.maxBatchedTokens, gpuMemoryUtilization: 0.9,
                                   maxQueuePerNode: 100_000, stepOverhead: 0, prefixCache: nil, router: m.router)
            spec.fittedStep = m.step
            // The engine's own cache where it states it (in the simulator's 16-token blocks), else
            // room for every slot's longest sequence (llama.cpp's limits are per slot).
            spec.kvBlocks = m.kvCacheTokens.map { max(1, $0 / 16) } ?? max(1, m.slots * (m.promptTokens.max + m.outputTokens.max) / 16 + m.slots)
            spec.coldStart = m.coldStart
            if simulated < m.nodes { spec.representedNodes = m.nodes }
            let model = ModelSpec(name: m.pool, parametersBillions: 1, quantization: .bf16, layers: 1, kvHeads: 1, headDim: 8)
            return PoolSpec(id: m.pool, engine: m.engine, model: model, version: "twin", kind: .gpu(spec),
                            objectives: objectives[m.pool] ?? [], responseCache: nil)
        }
        let classes = models.map { m in
            RequestClassSpec(name: m.pool, share: m.arrivalRate / total, priority: 1, pools: [(pool: m.pool, weight: 1)],
                             promptTokens: m.promptTokens, outputTokens: m.outputTokens)
        }
        return Scenario(name: "twin", title: "twin of the watched fleet", description: "", startTimeOfDay: startTimeOfDay,
                        seed: 1, apiBaseline: TokenPrice(inputPerMillion: 0, outputPerMillion: 0), pools: pools,
                        workload: WorkloadSpec(peakRate: total, dailyCurve: [], classes: classes), incidents: [])
    }
}

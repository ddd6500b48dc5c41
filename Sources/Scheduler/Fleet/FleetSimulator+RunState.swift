import FleetCore
import HeapModule

extension FleetSimulator {
    /// One independent random stream per concern, forked from the seed in a fixed order: a run
    /// (or a fork) is reproducible from its seed, and drawing more of one never shifts another.
    struct RandomStreams {
        var arrival: SeededRandom
        var length: SeededRandom
        var cache: SeededRandom
        var api: SeededRandom
        var session: SeededRandom
        /// Which arrivals a sliced pool simulates (drawn only when a pool is sliced).
        var slice: SeededRandom

        init(seed: UInt64) {
            var root = SeededRandom(seed: seed)
            (arrival, length, cache, api, session) = (root.fork(), root.fork(), root.fork(), root.fork(), root.fork())
            slice = root.fork()
        }
    }

    /// What the workload's classes say once, for every arrival: the class draw and the
    /// priorities `shed_low_priority` compares.
    struct WorkloadClassIndex {
        /// Each class's share of arrivals, summed up to it.
        var cumulativeShares: [Double] = []
        /// For a draw past the last cumulative share (rounding): the last class not driven by a trace.
        var lastPoissonClass = 0
        var lowestPriority: Int
        var highestPriority: Int

        init(_ workload: WorkloadSpec) {
            lowestPriority = workload.classes.map(\.priority).min() ?? 0
            highestPriority = workload.classes.map(\.priority).max() ?? 0
            var acc = 0.0
            let totalShare = workload.classes.reduce(0) { $0 + $1.share }
            for (ci, c) in workload.classes.enumerated() {
                acc += c.share / max(totalShare, 1e-12)
                cumulativeShares.append(acc)
                if c.trace == nil { lastPoissonClass = ci }
            }
        }
    }

    /// Everything a run changes, in one value. A what-if fork is `forked(seed:)` of it, so a
    /// field added here is carried into every fork without a second thought; only what a fork
    /// must not share (nodes, requests in flight, caches) or must not know is listed there.
    struct RunState {
        var now: Double = 0
        var totals = Totals()
        var sampleCount = 0

        // The event heap. A step's end (most events) is held inline; any other kind waits in
        // `payloads[slot]`, nil marking a free slot.
        var queue = Heap<ScheduledEvent>()
        var payloads: [EventKind?] = []
        var freeSlots: [Int] = []
        var seq = 0
        /// The next candidate arrival, kept beside the heap (see `advance`).
        var nextArrival = Double.infinity
        var nextRequestID = 0
        var nextSessionID = 0
        var random: RandomStreams

        var nodes: [SimulatedNode] = []
        var pools: [PoolRuntime] = []
        /// Each class's pools and weights, which a blue/green shift moves.
        var classWeights: [[(pool: String, weight: Double)]] {
            didSet { indexSplits() }
        }
        /// `classWeights` by pool index, for the arrival path.
        var classSplits: [[(pool: Int, weight: Double)]] = []

        /// An upper bound of the offered rate over the whole run, for thinning.
        var rateBound: Double
        /// The share of the offered rate that arrives at all: the largest sliced pool's
        /// `keep` (1 when any pool is whole). `PoolSlice`.
        var sliceKeep = 1.0
        var activeSpikes: [Int: (multiplier: Double, start: Double, ramp: Double)] = [:] {
            didSet {
                spikeFactor = activeSpikes.values.reduce(1) { $0 * $1.multiplier }
                spikeRampsUntil = activeSpikes.values.map { $0.start + $0.ramp }.max() ?? -.infinity
            }
        }
        /// Every active spike at full strength; until `spikeRampsUntil` some are still rising.
        var spikeFactor = 1.0
        var spikeRampsUntil = -Double.infinity
        /// Set on a what-if fork: the offered rate it follows instead of the daily curve and incidents.
        var arrivalPath: ArrivalPath?
        /// The daily curve's current straight piece, from `WorkloadSpec.segment`, in simulated time.
        var curveSegment = (from: 0.0, until: -1.0, value: 1.0, slope: 0.0)

        var events = EventBuffer()
        var costHistory: SeriesRing
        var lastSampleTime: Double = 0
        var lastSnapshot: FleetSnapshot?
        /// Per-request latencies and per-pool totals for a headless report; nil in the console.
        var report: SimulationReportCollector?
        /// The fleet's totals when the report started: the report counts what came after.
        var reportStart = Totals()
        /// Off in a what-if fork: nodes' graphs and /metrics figures, which nobody reads there.
        var keepsNodeHistory = true

        init(scenario: Scenario, seed: UInt64, historyCapacity: Int) {
            random = RandomStreams(seed: seed)
            costHistory = SeriesRing(capacity: historyCapacity)
            classWeights = scenario.workload.classes.map(\.pools)
            for (pi, p) in scenario.pools.enumerated() {
                var runtime = PoolRuntime(spec: p, index: pi, historyCapacity: historyCapacity)
                if case .gpu(let g) = p.kind {
                    runtime.nodesCreated = g.nodes
                    if let real = g.representedNodes, real > g.nodes, g.nodes > 0 {
                        runtime.slice = PoolSlice(simulated: g.nodes, real: real)
                    }
                    for n in 0..<g.nodes {
                        runtime.nodeIndices.append(nodes.count)
                        nodes.append(SimulatedNode(id: NodeNaming.id(pool: p.id, index: n), poolIndex: pi, pool: p, spec: g))
                    }
                }
                pools.append(runtime)
            }
            let spikeProduct = scenario.incidents.reduce(1.0) { acc, inc in
                if case .loadSpike(let m, _) = inc.kind { return acc * max(1, m) }
                return acc
            }
            if pools.contains(where: { $0.slice != nil }) {
                sliceKeep = min(1, pools.map { $0.slice?.keep ?? 1 }.max() ?? 1)
            }
            rateBound = scenario.workload.peakRate * max(1, scenario.workload.dailyCurve.map(\.multiplier).max() ?? 1) * spikeProduct
            indexSplits()
        }

        mutating func indexSplits() {
            classSplits = classWeights.map { split in split.map { t in (pools.firstIndex { $0.spec.id == t.pool }!, t.weight) } }
        }

        /// This state for a what-if fork: nodes, requests in flight (each copied once wherever
        /// it is held) and response caches copied, fresh random streams from `seed`, and the
        /// scenario's incidents and scripted actions still to come dropped (an incident in
        /// progress stays as it is). No report, no snapshot, no node histories.
        func forked(seed: UInt64) -> RunState {
            var fork = self
            let requests = RequestCopies()
            fork.nodes = nodes.map { SimulatedNode(copying: $0, requests: requests) }
            fork.pools = pools.map { $0.forked() }
            fork.payloads = payloads.map { kind in
                switch kind {
                // Left in the heap as free slots, which are skipped.
                case .incidentStart?, .incidentEnd?, .action?: return nil
                case let .externalDone(r, ttft, e2e)?: return .externalDone(requests(r), ttft: ttft, e2e: e2e)
                default: return kind
                }
            }
            fork.random = RandomStreams(seed: seed)
            fork.lastSnapshot = nil
            fork.report = nil
            fork.reportStart = Totals()
            fork.keepsNodeHistory = false
            return fork
        }
    }
}

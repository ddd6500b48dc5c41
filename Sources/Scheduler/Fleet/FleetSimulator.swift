import FleetCore
import Foundation
import HeapModule

/// A discrete-event simulation of a whole LLM serving fleet: arrivals, the response cache,
/// routing to pools and nodes, each node's engine steps, external API tiers, incidents.
/// Single-threaded and deterministic for a seed; the driver owns it and publishes snapshots.
public final class FleetSimulator {
    /// Totals since the start, for tests and headless reports.
    public struct Totals: Sendable, Equatable {
        public var arrived = 0
        public var completed = 0
        public var shed = 0
        public var responseCacheHits = 0
        public var inSystem = 0
        public var sojournSum = 0.0
        /// ∫ requests-in-system dt: with `time`, the mean number in system (Little's L).
        public var inSystemIntegral = 0.0
        /// Output tokens of the completed requests.
        public var tokensOut = 0
    }

    /// One pool's arrivals, sheds and output tokens since the start.
    public struct PoolTotals: Sendable, Equatable {
        public var arrived = 0
        public var shed = 0
        /// Of `shed`, refused by a degrade mode on purpose.
        public var refused = 0
        public var tokensOut = 0
    }

    /// Per pool, by id: kept by index in each pool's runtime, so the hot path never hashes.
    public var poolTotals: [String: PoolTotals] {
        Dictionary(uniqueKeysWithValues: pools.map { ($0.spec.id, $0.cumulative) })
    }

    enum EventKind {
        case stepDone(node: Int, epoch: Int)
        case externalDone(SimulatedRequest, ttft: Double, e2e: Double)
        case sample
        case incidentStart(Int)
        case incidentEnd(Int)
        case action(Int)
        case nodeReady(Int)
        case followUp(FollowUp)
        /// The `index`-th request of class `classIndex`'s trace arrives.
        case traceArrival(classIndex: Int, index: Int)
    }

    /// An event in the heap: plain data, so the heap moves it without reference counting. A
    /// step's end (most events) is held inline; any other kind waits in `payloads[slot]`.
    struct ScheduledEvent: Comparable {
        let time: Double
        let seq: Int
        /// The node whose step ends, or -1 - slot.
        let node: Int
        let epoch: Int
        static func < (a: ScheduledEvent, b: ScheduledEvent) -> Bool { (a.time, a.seq) < (b.time, b.seq) }
        static func == (a: ScheduledEvent, b: ScheduledEvent) -> Bool { a.time == b.time && a.seq == b.seq }
    }

    public let scenario: Scenario
    public let sampleInterval: Double
    let historyCapacity: Int
    public let seedUsed: UInt64
    public var speed: Double = 1
    /// The workload's class shares and priorities, derived once from the scenario.
    let classes: WorkloadClassIndex
    /// Everything the run changes; a fork copies it whole.
    var state: RunState

    /// Simulated seconds since the start.
    public var now: Double { state.now }
    public var totals: Totals { state.totals }
    /// Samples taken so far: a new one means a new snapshot is worth publishing.
    public var sampleCount: Int { state.sampleCount }
    var nodes: [SimulatedNode] { state.nodes }
    var pools: [PoolRuntime] { state.pools }

    public init(scenario: Scenario, seed: UInt64? = nil, sampleInterval: Double = 1, historyCapacity: Int = 300) {
        self.scenario = scenario
        self.sampleInterval = sampleInterval
        self.historyCapacity = historyCapacity
        seedUsed = seed ?? scenario.seed
        classes = WorkloadClassIndex(scenario.workload)
        state = RunState(scenario: scenario, seed: seedUsed, historyCapacity: historyCapacity)
        for (i, inc) in scenario.incidents.enumerated() {
            schedule(at: inc.at, .incidentStart(i))
            schedule(at: inc.at + inc.duration, .incidentEnd(i))
        }
        for (i, a) in scenario.actions.enumerated() { schedule(at: a.at, .action(i)) }
        for (ci, c) in scenario.workload.classes.enumerated() {
            if let first = c.trace?.request(at: 0) { schedule(at: first.arrival, .traceArrival(classIndex: ci, index: 0)) }
        }
        state.nextArrival = state.rateBound > 0 ? 0 : .infinity
        schedule(at: sampleInterval, .sample)
        log(.info, .note, "scenario \(scenario.name): \(scenario.title)")
    }

    /// A what-if copy of `other` as it stands: the same nodes, queues, requests in flight, KV
    /// and response caches, cold starts and degrade modes, with its own random streams from
    /// `seed`. What the advisor cannot know is left out: the scenario's incidents and scripted
    /// actions still to come (an incident in progress stays as it is). Until `follow(_:)`, it
    /// keeps the daily curve.
    public init(forking other: FleetSimulator, seed: UInt64) {
        scenario = other.scenario
        sampleInterval = other.sampleInterval
        historyCapacity = other.historyCapacity
        seedUsed = seed
        speed = other.speed
        classes = other.classes
        state = other.state.forked(seed: seed)
    }

    /// Makes a fork's arrivals follow `path` (a forecast of the fleet's offered rate) in
    /// place of the daily curve and load spikes.
    public func follow(_ path: ArrivalPath) {
        state.arrivalPath = path
        state.rateBound = max(path.peak, 1e-9)
        state.nextArrival = path.peak > 0 ? state.now + state.random.arrival.exponential(rate: state.rateBound) : .infinity
    }

    // MARK: running

    /// Processes every event up to `time` (virtual seconds since the start).
    public func advance(to time: Double) {
        while true {
            // The next candidate arrival is kept out of the heap: it is the most frequent event,
            // and always exactly one is pending.
            let eventTime = state.queue.min?.time ?? .infinity
            if state.nextArrival <= eventTime {
                guard state.nextArrival <= time else { break }
                state.totals.inSystemIntegral += Double(state.totals.inSystem) * (state.nextArrival - state.now)
                state.now = state.nextArrival
                arrive()
            } else {
                guard eventTime <= time, let next = state.queue.popMin() else { break }
                state.totals.inSystemIntegral += Double(state.totals.inSystem) * (next.time - state.now)
                state.now = next.time
                if next.node >= 0 {
                    stepDone(node: next.node, epoch: next.epoch)
                } else {
                    let slot = -1 - next.node
                    let kind = state.payloads[slot]
                    state.payloads[slot] = nil
                    state.freeSlots.append(slot)
                    if let kind { handle(kind) }
                }
            }
        }
        state.totals.inSystemIntegral += Double(state.totals.inSystem) * max(0, time - state.now)
        state.now = max(state.now, time)
    }

    func schedule(at time: Double, _ kind: EventKind) {
        state.seq += 1
        if case let .stepDone(n, epoch) = kind {
            state.queue.insert(ScheduledEvent(time: time, seq: state.seq, node: n, epoch: epoch))
            return
        }
        let slot: Int
        if let free = state.freeSlots.popLast() {
            slot = free
            state.payloads[slot] = kind
        } else {
            slot = state.payloads.count
            state.payloads.append(kind)
        }
        state.queue.insert(ScheduledEvent(time: time, seq: state.seq, node: -1 - slot, epoch: 0))
    }

    /// A node's step (or run of steps) ended: its first tokens and finished requests, then its next step.
    func stepDone(node n: Int, epoch: Int) {
        let node = state.nodes[n]
        guard epoch == node.stepEpoch else { return }
        let (first, done) = node.completeStep(at: state.now)
        for r in first {
            state.pools[r.poolIndex].ttft.record(state.now - r.arrival, at: state.now)
            if state.keepsNodeHistory { node.exposition.timeToFirstToken.observe(state.now - r.arrival) }
        }
        for r in done {
            complete(r, ttft: (r.firstTokenTime ?? state.now) - r.arrival, e2e: state.now - r.arrival)
            if state.keepsNodeHistory {
                node.exposition.endToEnd.observe(state.now - r.arrival)
                node.exposition.requestsFinished += 1
            }
        }
        startStep(n)
    }

    func handle(_ kind: EventKind) {
        switch kind {
        case let .stepDone(n, epoch):
            stepDone(node: n, epoch: epoch)
        case let .externalDone(r, ttft, e2e):
            state.pools[r.poolIndex].ttft.record(ttft, at: state.now)
            complete(r, ttft: ttft, e2e: e2e)
        case .sample:
            sample()
            schedule(at: state.now + sampleInterval, .sample)
        case .incidentStart(let i):
            startIncident(i)
        case .incidentEnd(let i):
            endIncident(i)
        case .action(let i):
            let a = scenario.actions[i]
            perform(a.action, label: a.label)
        case .followUp(let turn):
            admit(classIndex: turn.classIndex, pool: turn.pool, turn: turn)
        case let .traceArrival(ci, i):
            let feed = scenario.workload.classes[ci].trace!
            guard let r = feed.request(at: i) else { return }
            if let next = feed.request(at: i + 1) {
                schedule(at: max(next.arrival, state.now), .traceArrival(classIndex: ci, index: i + 1))
            }
            admit(classIndex: ci, pool: pickPool(ci), turn: nil, lengths: (r.promptTokens, r.outputTokens), hashed: r)
        case .nodeReady(let n):
            guard state.nodes[n].state == .down, state.nodes[n].stateReason?.hasPrefix("starting") == true else { return }
            state.nodes[n].state = .up
            state.nodes[n].stateReason = nil
            log(.info, .node, "\(state.nodes[n].id) ready: serving after its cold start", pool: state.nodes[n].poolID, node: state.nodes[n].id)
            sliceNodeReady(n)
        }
    }

    func log(_ severity: FleetEvent.Severity, _ kind: FleetEvent.Kind, _ message: String,
             pool: String? = nil, node: String? = nil) {
        state.events.append(FleetEvent(time: state.now, severity: severity, kind: kind, message: message, pool: pool, node: node))
    }
}

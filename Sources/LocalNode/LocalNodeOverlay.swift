import FleetCore
import Foundation
import LocalInference
import Synchronization

/// Adds a real local inference node to every snapshot a source publishes: its own pool, the
/// node row (CPU busy share in the utilisation column, KV-cache use, queue, running, tokens/s),
/// TTFT and end-to-end latency against its SLO, its cost, and its events. Whatever the source
/// (the simulator in `demo`, scrapes in `watch`), the console shows the local node beside the
/// fleet. With `route_from`, the node takes a share of that pool's arrivals: the scheduler
/// routing part of a tier to the device.
public final class LocalNodeOverlay: Sendable {
    private let node: LocalInferenceNode
    private let config: LocalNodeConfig
    private let state: Mutex<State>
    private let loadSeconds: Double
    /// Wall time starts here: rates and latency windows are over real seconds.
    private let started = Date()

    /// Latencies are kept over wall time: the node serves in real time whatever the demo speed.
    static let latencyWindowSeconds = 120

    private struct State {
        var history = NodeHistory()
        var poolHistory: PoolHistory
        var ttft = SlidingLatencyWindow(seconds: LocalNodeOverlay.latencyWindowSeconds)
        var e2e = SlidingLatencyWindow(seconds: LocalNodeOverlay.latencyWindowSeconds)
        var previous: (status: LocalNodeStatus, wall: Double)?
        var rates = Rates()
        var events: [FleetEvent] = []
        var announced = false
        var lastFailure: String?
        /// Breaches and recoveries of the local pool, by the rule every source shares, judged
        /// once a wall second (its ticks), however often snapshots pass through.
        var slo = SLOTracker()
        var sloSecond = -1
    }

    /// `loadSeconds` is how long loading the model took, for the first event.
    public init(node: LocalInferenceNode, config: LocalNodeConfig, loadSeconds: Double, historyCapacity: Int = 300) {
        self.node = node
        self.config = config
        self.loadSeconds = loadSeconds
        state = Mutex(State(poolHistory: PoolHistory(capacity: historyCapacity)))
    }

    public func apply(to snapshot: FleetSnapshot) -> FleetSnapshot {
        let wall = Date().timeIntervalSince(started)
        let status = node.status()
        let finished = node.takeLatencies()
        if let from = config.routeFrom, let pool = snapshot.pool(from) {
            node.setArrivalRate(min(pool.arrivalRate * config.share, 20))
        }
        return state.withLock { s in
            // Rates over at least a second of wall time: a fast demo publishes more often.
            if s.previous == nil || wall - s.previous!.wall >= 1 {
                if s.previous != nil { s.rates = Self.rates(status, since: s.previous!, now: wall) }
                s.previous = (status, wall)
            }
            let rates = s.rates
            for r in finished {
                s.ttft.record(r.timeToFirstToken, at: wall)
                s.e2e.record(r.endToEnd, at: wall)
            }
            s.ttft.expire(upTo: Int(wall))
            s.e2e.expire(upTo: Int(wall))
            let ttft = s.ttft.window.quantiles, e2e = s.e2e.window.quantiles

            let kv = status.kvCapacity > 0 ? Double(status.kvTokens) / Double(status.kvCapacity) : 0
            s.history.append(at: snapshot.time, gpuUtilization: rates.busy, kvCacheUsage: kv, tokensPerSecond: rates.generated,
                             running: Double(status.running), waiting: Double(status.queued))
            s.poolHistory.waiting.append(Double(status.queued))
            s.poolHistory.arrivalRate.append(rates.arrivals)
            s.poolHistory.e2eP95.append(e2e.p95 ?? 0)

            var failure: String?
            if case let .failed(reason) = status.state { failure = TerminalText.sanitized(reason) }
            let model = TerminalText.sanitized(status.modelName)
            if !s.announced {
                s.announced = true
                s.events.append(FleetEvent(time: snapshot.time, severity: .info, kind: .node,
                                           message: "\(config.node) loaded \(model) (\(status.quantization)) in \(Format.latency(loadSeconds)): local inference on this machine's CPU",
                                           pool: config.pool, node: config.node))
            }
            if failure != s.lastFailure, let failure {
                s.events.append(FleetEvent(time: snapshot.time, severity: .critical, kind: .node,
                                           message: "\(config.node) failed: \(failure)", pool: config.pool, node: config.node))
            }
            s.lastFailure = failure
            if Int(wall) != s.sloSecond {
                s.sloSecond = Int(wall)
                let signals = LatencySignals(ttft: ttft, e2e: e2e, samples: [.ttft: s.ttft.window.total, .e2e: s.e2e.window.total])
                for t in s.slo.update(pool: config.pool, objectives: config.objectives, measure: signals.measure) {
                    s.events.append(t.event(at: snapshot.time))
                }
            }
            let breached = s.slo.breached(config.pool)
            if s.events.count > 100 { s.events.removeFirst(s.events.count - 100) }

            var out = snapshot
            out.nodes.append(NodeSnapshot(
                id: config.node, pool: config.pool, state: failure == nil ? .up : .down, stateReason: failure,
                engine: "local", model: model, version: status.quantization, gpus: [],
                gpuUtilization: rates.busy, kvCacheUsage: kv, running: status.running, waiting: status.queued,
                tokensPerSecond: rates.generated, promptTokensPerSecond: rates.prompt, prefixCacheHitRate: nil,
                preemptionsPerSecond: 0, history: s.history))
            out.pools.append(PoolSnapshot(id: config.pool, kind: .gpu, engine: "local", model: model, nodes: 1,
                                          nodesUp: failure == nil ? 1 : 0, running: status.running, waiting: status.queued,
                                          arrivalRate: rates.arrivals, completionRate: rates.completions, shedRate: rates.rejections,
                                          history: s.poolHistory))
            out.latency.append(PoolLatency(pool: config.pool, ttft: ttft, e2e: e2e, samples: s.e2e.window.total,
                                           objectives: config.objectives, breached: breached))
            out.cost = CostSnapshot(pools: snapshot.cost.pools + [PoolCost(pool: config.pool, dollarsPerHour: config.nodeHourPrice,
                                                                            requestsPerHour: rates.completions * 3600, apiBaselinePerHour: 0)],
                                    history: snapshot.cost.history)
            out.events = (snapshot.events + s.events).sorted { $0.time < $1.time }
            return out
        }
    }

    struct Rates: Equatable {
        var generated = 0.0, prompt = 0.0, arrivals = 0.0, completions = 0.0, rejections = 0.0
        /// Share of wall time spent computing, 0...1.
        var busy = 0.0
    }

    /// Per-second rates between two readings of the node's counters.
    static func rates(_ now: LocalNodeStatus, since previous: (status: LocalNodeStatus, wall: Double), now wall: Double) -> Rates {
        let (p, t) = previous
        guard wall > t else { return Rates() }
        let dt = wall - t
        return Rates(generated: Double(now.generatedTokens - p.generatedTokens) / dt,
                     prompt: Double(now.promptTokens - p.promptTokens) / dt,
                     arrivals: Double(now.arrived - p.arrived) / dt,
                     completions: Double(now.completed - p.completed) / dt,
                     rejections: Double(now.rejected - p.rejected) / dt,
                     busy: min(1, max(0, (now.busySeconds - p.busySeconds) / dt)))
    }
}

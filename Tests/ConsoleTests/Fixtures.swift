import FleetdeckTestSupport
import FleetCore
import Foundation
@testable import Console

/// A small hand-made fleet whose every figure is fixed, for golden text.
enum Fixtures {
    static func node(_ id: String, pool: String, state: NodeState = .up, util: Double, kv: Double,
                     running: Int, waiting: Int, tps: Double, gpus: Int = 2) -> NodeSnapshot {
        var history = NodeHistory()
        for i in 0..<30 {
            history.append(at: Double(i), gpuUtilization: util * Double(i) / 29, kvCacheUsage: kv, tokensPerSecond: tps,
                           running: Double(running), waiting: Double(waiting))
        }
        return NodeSnapshot(
            id: id, pool: pool, state: state, stateReason: state == .down ? "NCCL timeout" : nil, engine: "vllm",
            model: "llama-3-8b", version: "v2",
            gpus: (0..<gpus).map { GPUSnapshot(index: $0, name: "H100-SXM", utilization: util, memoryUsedGiB: 72,
                                              memoryTotalGiB: 80, powerWatts: 500, temperatureC: 61) },
            gpuUtilization: util, kvCacheUsage: kv, running: running, waiting: waiting, tokensPerSecond: tps,
            promptTokensPerSecond: tps * 4, prefixCacheHitRate: 0.3, preemptionsPerSecond: 0, history: history)
    }

    static func pool(_ id: String, waiting: Int, nodes: Int, up: Int) -> PoolSnapshot {
        var h = PoolHistory(capacity: 30)
        for i in 0..<30 {
            h.waiting.append(Double(i % 5 * waiting) / 4)
            h.arrivalRate.append(10)
            h.e2eP95.append(1)
        }
        return PoolSnapshot(id: id, kind: .gpu, engine: "vllm", model: "llama-3-8b", nodes: nodes, nodesUp: up,
                            running: 12, waiting: waiting, arrivalRate: 10, completionRate: 9.5, shedRate: 0, history: h)
    }

    static var snapshot: FleetSnapshot {
        let objective = SLOObjective(metric: .e2e, percentile: 95, target: 2)
        var cacheHistory = SeriesRing(capacity: 30)
        for i in 0..<30 { cacheHistory.append(0.2 + Double(i) / 100) }
        var costHistory = SeriesRing(capacity: 30)
        for _ in 0..<30 { costHistory.append(21) }
        return FleetSnapshot(
            time: 600, timeOfDay: 10 * 3600 + 600,
            source: SourceInfo(kind: .simulation, name: "fixture", title: "Fixture fleet"),
            pools: [pool("chat", waiting: 8, nodes: 2, up: 1), pool("batch", waiting: 0, nodes: 1, up: 1)],
            nodes: [node("chat-01", pool: "chat", util: 0.97, kv: 0.88, running: 30, waiting: 8, tps: 2400),
                    node("chat-02", pool: "chat", state: .down, util: 0, kv: 0, running: 0, waiting: 0, tps: 0),
                    node("batch-01", pool: "batch", util: 0.41, kv: 0.12, running: 4, waiting: 0, tps: 310)],
            caches: [CacheSnapshot(id: "response:chat", kind: .response, pool: "chat", hitRate: 0.42, history: cacheHistory),
                     CacheSnapshot(id: "prefix:chat", kind: .prefix, pool: "chat", hitRate: 0.61, history: cacheHistory)],
            latency: [PoolLatency(pool: "chat", ttft: Quantiles(p50: 0.12, p90: 0.3, p95: 0.41, p99: 0.9),
                                  e2e: Quantiles(p50: 1.1, p90: 2.2, p95: 2.6, p99: 3.9), samples: 500,
                                  objectives: [objective], breached: [objective]),
                      PoolLatency(pool: "batch", ttft: Quantiles(p50: 0.2, p90: 0.3, p95: 0.35, p99: 0.5),
                                  e2e: Quantiles(p50: 4, p90: 6, p95: 7, p99: 9), samples: 80, objectives: [], breached: [])],
            cost: CostSnapshot(pools: [PoolCost(pool: "chat", dollarsPerHour: 14, requestsPerHour: 36_000, apiBaselinePerHour: 40),
                                       PoolCost(pool: "batch", dollarsPerHour: 7, requestsPerHour: 3_600, apiBaselinePerHour: 9)],
                               history: costHistory),
            events: [FleetEvent(time: 540, severity: .critical, kind: .node, message: "node chat-02 down: NCCL timeout", node: "chat-02"),
                     FleetEvent(time: 560, severity: .critical, kind: .sloBreach, message: "SLO breach on chat: e2e p95 2.60s > 2.00s"),
                     FleetEvent(time: 590, severity: .info, kind: .note, message: "note with \u{1B}[31m escape")])
    }
}

/// Keys through `KeyHandler`, as the render loop sends them: the state after them and every
/// effect they asked for, in order. A `.plan` effect opens the dialog with a plan that
/// refuses nothing, as the render loop does with the action layer's plan.
struct KeyDriver {
    var context: KeyContext

    init(snapshot: FleetSnapshot? = Fixtures.snapshot, advice: FleetAdvice? = nil, keymap: Keymap = .standard,
         aliases: [String: String] = [:], themes: [String] = [], readOnly: Bool = false, userCommands: [UserCommand] = []) {
        context = KeyContext(snapshot: snapshot, advice: advice, keymap: keymap, aliases: aliases, themes: themes, readOnly: readOnly,
                             userCommands: userCommands)
    }

    func press(_ keys: [Key], from state: ConsoleState = ConsoleState()) -> KeyOutcome {
        var outcome = KeyOutcome(state)
        for key in keys {
            let next = KeyHandler.handle(key, outcome.state, context)
            outcome.state = next.state
            outcome.effects += next.effects
            for effect in next.effects {
                switch effect {
                case .plan(let action):
                    outcome.state.mode = .confirming(PendingAction(action, ActionPlan(description: "\(action)", actuator: "test")))
                case .planAll(let all):
                    outcome.state.mode = .confirming(PendingAction(all, ActionPlan(description: "\(all)", actuator: "test")))
                case .planCommand(let run):
                    outcome.state.mode = .confirming(PendingAction(run, ActionPlan(description: "\(run)", actuator: "test")))
                default: break
                }
            }
        }
        return outcome
    }

    func press(_ keys: Key..., from state: ConsoleState = ConsoleState()) -> KeyOutcome { press(keys, from: state) }

    /// Typed characters, one key each.
    func type(_ text: String, from state: ConsoleState = ConsoleState()) -> KeyOutcome {
        press(text.map { Key.char($0) }, from: state)
    }

    /// `:` and a command line, then Enter.
    func command(_ line: String, from state: ConsoleState = ConsoleState()) -> KeyOutcome {
        press([.char(":")] + line.map { Key.char($0) } + [.enter], from: state)
    }
}

extension KeyOutcome {
    var planned: [OperatorAction] { effects.compactMap { if case .plan(let a) = $0 { return a } else { return nil } } }
    var plannedCommands: [UserCommandRun] { effects.compactMap { if case .planCommand(let r) = $0 { return r } else { return nil } } }
    var quits: Bool { effects.contains(.quit) }
}

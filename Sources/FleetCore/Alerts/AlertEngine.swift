import Synchronization

/// Alerts evaluated where snapshots are published, whatever the source: `apply` puts each
/// tick's pending and firing alerts, the budgets and the fired and resolved lines into the
/// snapshot before the recorder and the console see it (a `SnapshotStore` transform), and
/// hands each tick's transitions to `deliver` (the webhook). One tick is one snapshot time:
/// the same snapshot passed twice is judged once.
public final class AlertEngine: Sendable {
    private struct State {
        var evaluator: AlertEvaluator
        var events: [FleetEvent] = []
        var last: (time: Double, alerts: [FleetAlert], budgets: [ErrorBudgetStatus])?
    }

    /// The newest alert lines kept to merge into snapshots (the source keeps its own log).
    static let eventsKept = 100

    public let settings: AlertSettings
    private let state: Mutex<State>
    private let delivery = Mutex<(@Sendable ([AlertEvaluator.Transition]) -> Void)?>(nil)

    public init(settings: AlertSettings) {
        self.settings = settings
        state = Mutex(State(evaluator: AlertEvaluator(settings: settings)))
    }

    /// From now on, each tick's transitions go to `deliver` too (the webhook), off the lock.
    public func deliver(_ deliver: @escaping @Sendable ([AlertEvaluator.Transition]) -> Void) {
        delivery.withLock { $0 = deliver }
    }

    public func apply(to snapshot: FleetSnapshot) -> FleetSnapshot {
        let (out, transitions) = state.withLock { s -> (FleetSnapshot, [AlertEvaluator.Transition]) in
            var transitions: [AlertEvaluator.Transition] = []
            if s.last?.time != snapshot.time {
                let result = s.evaluator.evaluate(snapshot)
                transitions = result.transitions
                s.last = (snapshot.time, result.alerts, result.budgets)
                s.events += transitions.map { $0.event(at: snapshot.time) }
                if s.events.count > Self.eventsKept { s.events.removeFirst(s.events.count - Self.eventsKept) }
            }
            var out = snapshot
            out.alerts = s.last?.alerts ?? []
            out.budgets = s.last?.budgets ?? []
            if !s.events.isEmpty {
                // The source's log and ours, in time order; ours come after the source's at one time.
                let oldest = snapshot.events.first?.time ?? -Double.infinity
                out.events = (snapshot.events + s.events.filter { $0.time >= oldest })
                    .enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
            }
            return (out, transitions)
        }
        if !transitions.isEmpty, let deliver = delivery.withLock({ $0 }) { deliver(transitions) }
        return out
    }
}

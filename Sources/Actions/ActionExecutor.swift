import FleetCore
import Foundation
import Synchronization

/// Guards, one action in flight per target, the audit log, and the actuator: what stands
/// between a confirmed key press and the fleet.
public final class ActionExecutor: ActionControl, @unchecked Sendable {
    public struct Guards: Sendable {
        public var readOnly = false
        public var dryRun = false
        public var minReplicas = 1
        public var maxReplicas = 64
        /// Seconds between two actions on the same target.
        public var cooldown: Double = 30
        /// Per-pool replica limits from the config (the defaults above elsewhere).
        public var poolLimits: [String: ClosedRange<Int>] = [:]
        public init() {}
    }

    private let actuator: any Actuator
    private let audit: AuditLog
    private let guards: Guards
    private let clock: any FleetClock
    private let state = Mutex<(inFlight: Set<String>, last: [String: Double])>(([], [:]))
    /// Called with each outcome line, for the console's events log.
    private let report: @Sendable (FleetEvent.Severity, String) -> Void
    private let recent = Mutex<[AuditEntry]>([])

    public init(actuator: any Actuator, audit: AuditLog, guards: Guards, clock: any FleetClock = WallClock(),
                report: @escaping @Sendable (FleetEvent.Severity, String) -> Void = { _, _ in }) {
        self.actuator = actuator; self.audit = audit; self.guards = guards; self.clock = clock; self.report = report
        // The audit screen opens on what earlier sessions did too.
        let tail = ((try? AuditLog.read(audit.path).records) ?? []).suffix(200).map(Self.entry)
        recent.withLock { $0 = Array(tail) }
        if audit.repairedFragment {
            report(.warning, "audit log \(audit.path): its last line was cut short (a full disk or a kill); closed, and skipped when read")
        }
    }

    static func entry(_ r: AuditRecord) -> AuditEntry {
        AuditEntry(time: r.time, user: r.user, action: r.action, target: r.target,
                   parameters: r.parametersText,
                   actuator: r.actuator, result: r.result, duration: r.duration, detail: r.detail)
    }

    public func recentAudit() -> [AuditEntry] { recent.withLock { $0 } }

    public var disabledReason: String? { guards.readOnly ? "read-only (--read-only): actions are off" : nil }

    public func plan(_ action: OperatorAction, snapshot: FleetSnapshot) -> ActionPlan {
        let description = actuator.describe(action, snapshot: snapshot)
        let request = actuator.request(for: action)
        let used = actuator.name(for: action)
        let actuatorText = guards.dryRun ? "\(used) actuator, DRY RUN (nothing will change): \(request)"
                                         : "\(used) actuator: \(request)"
        return ActionPlan(description: description, actuator: actuatorText, refusal: refusal(action, snapshot: snapshot))
    }

    func refusal(_ action: OperatorAction, snapshot: FleetSnapshot) -> String? {
        if let r = disabledReason { return r }
        let target = action.target
        let (busy, last) = state.withLock { ($0.inFlight.contains(target), $0.last[target]) }
        if busy { return "an action on \(target) is still in flight" }
        if case let .scale(pool, delta) = action, let p = snapshot.pool(pool) {
            if p.kind == .api { return "\(pool) is an API tier; it has no replicas" }
            let next = p.nodes + delta
            let limits = guards.poolLimits[pool] ?? guards.minReplicas...guards.maxReplicas
            if next < limits.lowerBound { return "\(pool) would have \(next) replicas, below its minimum of \(limits.lowerBound)" }
            if next > limits.upperBound { return "\(pool) would have \(next) replicas, above its maximum of \(limits.upperBound)" }
        }
        if let t = last, clock.now - t < guards.cooldown {
            return "cooldown: the last action on \(target) was \(Format.duration(clock.now - t)) ago (at least \(Format.duration(guards.cooldown)) apart)"
        }
        return nil
    }

    /// Starts the action; the outcome goes to the audit log (synced) and then to `report`.
    public func run(_ action: OperatorAction) {
        let target = action.target
        let started = clock.now
        let claimed = state.withLock { s -> Bool in s.inFlight.insert(target).inserted }
        guard claimed else { return }   // a key repeat while it runs
        report(.info, "\(action.verb.rawValue) \(target): started through the \(actuator.name(for: action)) actuator\(guards.dryRun ? " (dry run)" : "")")
        Task.detached { [self] in
            let request = actuator.request(for: action)
            let result: Result<String, ActionError> = guards.dryRun ? .success("dry run: nothing done") : await actuator.execute(action)
            let finished = clock.now
            let duration = finished - started
            // Done: the cooldown runs from here, and the target is free, before the audit and
            // the report, so whoever sees either sees the guards as they now stand.
            state.withLock { s in
                s.inFlight.remove(target)
                s.last[target] = finished
            }
            let (outcome, detail): (AuditOutcome, String) = switch result {
            case .success(let text): (guards.dryRun ? .dryRun : .ok, text)
            case .failure(let e): (.failed, e.description)
            }
            let record = AuditRecord(time: Date().timeIntervalSince1970 - duration, user: Self.user, host: Self.host, action: action.verb,
                                     target: target, parameters: action.parameters.mapValues(\.text), actuator: actuator.name(for: action), request: request,
                                     result: outcome, detail: detail, duration: duration)
            do {
                try audit.append(record)
                recent.withLock { r in
                    r.append(Self.entry(record))
                    if r.count > 200 { r.removeFirst(r.count - 200) }
                }
                report(outcome == .failed ? .warning : .info, "\(action.verb.rawValue) \(target): \(outcome.rawValue) (\(Format.duration(duration))) – audited")
            } catch {
                report(.critical, "\(action.verb.rawValue) \(target): \(outcome.rawValue), but the audit log failed: \(error)")
            }
        }
    }

    static var user: String { ProcessInfo.processInfo.environment["USER"] ?? String(getuid()) }
    static var host: String { ProcessInfo.processInfo.hostName }
}

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
        let dryRun = guards.dryRun
        start(verb: action.verb, target: action.target, parameters: action.parameters.mapValues(\.text),
              actuator: actuator.name(for: action), request: actuator.request(for: action), dryRun: dryRun) { [actuator] in
            dryRun ? .success("dry run: nothing done") : await actuator.execute(action)
        }
    }

    // MARK: user commands

    /// The argv a user command runs for this target: `{node}` and `{pool}` take only DNS-1123
    /// names (what Kubernetes accepts; nothing with a shell or option character in it), the
    /// rest come from the command's `vars`.
    public static func command(_ run: UserCommandRun) -> Result<[String], ActionError> {
        var values = run.command.vars
        values["pool"] = run.pool
        if run.command.scope == .node { values["node"] = run.target }
        return ArgvTemplate.fill(run.command.argv, values: values)
    }

    public func plan(_ run: UserCommandRun, snapshot: FleetSnapshot) -> ActionPlan {
        let c = run.command
        let argv = Self.command(run)
        let request = switch argv {
        case .success(let a): ExecActuator.display(a)
        case .failure(let e): "none (\(e))"
        }
        let description = "Run '\(c.name)' on \(c.scope.rawValue) \(run.target): \(c.description) (timeout \(Format.duration(c.timeout)))."
        var refusal: String?
        if guards.readOnly && c.dangerous { refusal = disabledReason }
        else if case .failure(let e) = argv { refusal = e.description }
        else if state.withLock({ $0.inFlight.contains(Self.inFlightKey(run)) }) { refusal = "'\(c.name)' on \(run.target) is still running" }
        let dry = guards.dryRun && c.dangerous
        return ActionPlan(description: description,
                          actuator: dry ? "exec, DRY RUN (nothing will run): \(request)" : "exec: \(request)", refusal: refusal)
    }

    /// Runs it like an action: one at a time per command and target, audited, reported. A
    /// command that only reads (`dangerous: false`) runs under `--dry-run` too; the cooldown,
    /// which spaces changes to a fleet, does not apply.
    public func run(_ run: UserCommandRun) {
        guard case .success(let argv) = Self.command(run), !(guards.readOnly && run.command.dangerous) else { return }
        let dryRun = guards.dryRun && run.command.dangerous
        let timeout = run.command.timeout
        start(verb: .command, target: run.target, parameters: ["command": run.command.name], actuator: "exec",
              request: ExecActuator.display(argv), dryRun: dryRun, key: Self.inFlightKey(run), cooldown: false) {
            if dryRun { return .success("dry run: nothing done") }
            return await withCheckedContinuation { c in
                Thread.detachNewThread { c.resume(returning: ExecActuator.run(argv, timeout: timeout)) }
            }
        }
    }

    static func inFlightKey(_ run: UserCommandRun) -> String { "command \(run.command.name) \(run.target)" }

    // MARK: running

    /// Claims the target (a key repeat while it runs does nothing), runs `body` off the
    /// render thread, frees the target, then appends the audit record (synced) and reports.
    private func start(verb: OperatorAction.Verb, target: String, parameters: [String: String], actuator name: String, request: String,
                       dryRun: Bool, key: String? = nil, cooldown: Bool = true,
                       _ body: @escaping @Sendable () async -> Result<String, ActionError>) {
        let key = key ?? target
        let started = clock.now
        let claimed = state.withLock { s -> Bool in s.inFlight.insert(key).inserted }
        guard claimed else { return }
        let what = verb == .command ? "\(parameters["command"] ?? "command") on \(target)" : "\(verb.rawValue) \(target)"
        report(.info, "\(what): started through the \(name) actuator\(dryRun ? " (dry run)" : "")")
        Task.detached { [self] in
            let result = await body()
            let finished = clock.now
            let duration = finished - started
            // Done: the cooldown runs from here, and the target is free, before the audit and
            // the report, so whoever sees either sees the guards as they now stand.
            state.withLock { s in
                s.inFlight.remove(key)
                if cooldown { s.last[target] = finished }
            }
            let (outcome, detail): (AuditOutcome, String) = switch result {
            case .success(let text): (dryRun ? .dryRun : .ok, text)
            case .failure(let e): (.failed, e.description)
            }
            let record = AuditRecord(time: Date().timeIntervalSince1970 - duration, user: Self.user, host: Self.host, action: verb,
                                     target: target, parameters: parameters, actuator: name, request: request,
                                     result: outcome, detail: detail, duration: duration)
            do {
                try audit.append(record)
                recent.withLock { r in
                    r.append(Self.entry(record))
                    if r.count > 200 { r.removeFirst(r.count - 200) }
                }
                report(outcome == .failed ? .warning : .info, "\(what): \(outcome.rawValue) (\(Format.duration(duration))) – audited")
            } catch {
                report(.critical, "\(what): \(outcome.rawValue), but the audit log failed: \(error)")
            }
        }
    }

    static var user: String { ProcessInfo.processInfo.environment["USER"] ?? String(getuid()) }
    static var host: String { ProcessInfo.processInfo.hostName }
}

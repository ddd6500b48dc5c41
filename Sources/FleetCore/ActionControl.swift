/// What the confirmation dialog shows.
public struct ActionPlan: Sendable, Equatable {
    /// Exactly what will be done to what, in words.
    public var description: String
    /// The actuator and, for `exec` or `http`, the command or request; empty when there is none.
    public var actuator: String
    /// Set when a guard refuses the action (read-only, limits, cooldown, one in flight).
    public var refusal: String?

    public init(description: String, actuator: String, refusal: String? = nil) {
        self.description = description; self.actuator = actuator; self.refusal = refusal
    }
}

/// One audited action, as the audit screen lists it.
public struct AuditEntry: Sendable, Equatable {
    public var time: Double          // Unix time
    public var user: String
    public var action: OperatorAction.Verb
    public var target: String
    public var parameters: String
    public var actuator: String
    public var result: AuditOutcome
    public var duration: Double
    public var detail: String

    public init(time: Double, user: String, action: OperatorAction.Verb, target: String, parameters: String, actuator: String,
                result: AuditOutcome, duration: Double, detail: String) {
        self.time = time; self.user = user; self.action = action; self.target = target; self.parameters = parameters
        self.actuator = actuator; self.result = result; self.duration = duration; self.detail = detail
    }
}

/// How an audited action ended; the raw values are the audit log's `result` strings.
public enum AuditOutcome: String, Sendable, Codable {
    case ok
    case failed
    case dryRun = "dry-run"
    case refused
}

/// Implemented by the action layer (the `Actions` module's `ActionExecutor`); the console asks
/// it for plans and hands it confirmed actions. `run` returns at once: progress and outcome
/// arrive as events.
public protocol ActionControl: Sendable {
    func plan(_ action: OperatorAction, snapshot: FleetSnapshot) -> ActionPlan
    func run(_ action: OperatorAction)
    /// Why every action is off (`--read-only`), or nil.
    var disabledReason: String? { get }
    /// The newest audit entries (the log's tail when the console opened, then each action).
    func recentAudit() -> [AuditEntry]
    /// The operator's own commands (`commands:`), planned and run like actions.
    func plan(_ run: UserCommandRun, snapshot: FleetSnapshot) -> ActionPlan
    func run(_ run: UserCommandRun)
}

/// Where an action goes: the simulator, a command, a webhook, or a router over those.
public protocol Actuator: Sendable {
    var name: String { get }
    /// The actuator that will carry this action (a router names the one it picks).
    func name(for action: OperatorAction) -> String
    /// Exactly what will be done to what, for the confirmation dialog.
    func describe(_ action: OperatorAction, snapshot: FleetSnapshot) -> String
    /// What will be sent, as the dialog and the audit log show it.
    func request(for action: OperatorAction) -> String
    func execute(_ action: OperatorAction) async -> Result<String, ActionError>
}

extension Actuator {
    public func name(for action: OperatorAction) -> String { name }
}

/// Why an action could not be carried out, in words safe for the terminal.
public struct ActionError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = TerminalText.sanitized(d) }
}

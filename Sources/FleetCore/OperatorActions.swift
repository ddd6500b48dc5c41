/// What an operator asks for from the console. The executable's action layer turns it into a
/// plan (what exactly, through which actuator, or why not) and runs it once confirmed.
public enum OperatorAction: Sendable, Equatable {
    case scale(pool: String, delta: Int)
    /// `mode` is a degrade mode's name (`shed_low_priority`, `smaller_model`, ...).
    case degrade(pool: String, mode: String, on: Bool)
    case drain(node: String)
    /// Moves `percent` of the split traffic toward `pool` from its blue/green partner.
    case shiftToward(pool: String, percent: Double)

    /// The pool (or node) the action is about, for guards and the audit log.
    public var target: String {
        switch self {
        case let .scale(pool, _), let .degrade(pool, _, _), let .shiftToward(pool, _): return pool
        case let .drain(node): return node
        }
    }

    public var name: String {
        switch self {
        case .scale: return "scale"
        case .degrade(_, _, let on): return on ? "degrade" : "restore"
        case .drain: return "drain"
        case .shiftToward: return "shift"
        }
    }
}

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
    public var action: String
    public var target: String
    public var parameters: String
    public var actuator: String
    public var result: String
    public var duration: Double
    public var detail: String

    public init(time: Double, user: String, action: String, target: String, parameters: String, actuator: String,
                result: String, duration: Double, detail: String) {
        self.time = time; self.user = user; self.action = action; self.target = target; self.parameters = parameters
        self.actuator = actuator; self.result = result; self.duration = duration; self.detail = detail
    }
}

/// Implemented by the action layer; the console asks it for plans and hands it confirmed
/// actions. `run` returns at once: progress and outcome arrive as events.
public protocol ActionControl: Sendable {
    func plan(_ action: OperatorAction, snapshot: FleetSnapshot) -> ActionPlan
    func run(_ action: OperatorAction)
    /// Why every action is off (`--read-only`), or nil.
    var disabledReason: String? { get }
    /// The newest audit entries (the log's tail when the console opened, then each action).
    func recentAudit() -> [AuditEntry]
}

/// Something done to a fleet: asked for by a key press or the advisor, scripted on a
/// scenario's timeline, or tried in a what-if fork. Every actuator, the audit log and the
/// simulator speak this one vocabulary.
public enum OperatorAction: Sendable, Hashable {
    case scale(pool: String, delta: Int)
    case degrade(pool: String, mode: DegradeMode, on: Bool)
    case drain(node: String)
    /// Moves `percent` of a class's split traffic toward `pool` from `from`, its blue/green
    /// partner; with `from` nil, whoever carries the action out picks the pool's first partner.
    case shift(toward: String, from: String?, percent: Double)

    /// The audit log's `action` strings: recorded, so never renamed.
    public enum Verb: String, Sendable, Codable, CaseIterable {
        case scale, degrade, restore, drain, shift
        /// An operator's own command from the config (`commands:`), run on a node or a pool.
        case command
        /// An alert sent to the config's webhook (`alerts.webhook`): not an action on the
        /// fleet, but a message that left the console, audited as one.
        case notify
    }

    /// One parameter's value, typed, so each medium writes it its own way (the audit log as
    /// text, a webhook as JSON, an argv placeholder with dashes).
    public enum Value: Sendable, Hashable {
        case int(Int)
        case bool(Bool)
        case percent(Double)
        case mode(DegradeMode)
        case name(String)
    }

    public var verb: Verb {
        switch self {
        case .scale: return .scale
        case .degrade(_, _, let on): return on ? .degrade : .restore
        case .drain: return .drain
        case .shift: return .shift
        }
    }

    /// The pool (or node) the action is about, for guards and the audit log.
    public var target: String {
        switch self {
        case let .scale(pool, _), let .degrade(pool, _, _), let .shift(pool, _, _): return pool
        case let .drain(node): return node
        }
    }

    /// What undoes it (`u` in the console), or nil when nothing does: a drain has no action
    /// that brings the node back, and a shift whose partner its actuator picked cannot be
    /// sent back to a partner nobody named.
    public var inverse: OperatorAction? {
        switch self {
        case let .scale(pool, delta): return .scale(pool: pool, delta: -delta)
        case let .degrade(pool, mode, on): return .degrade(pool: pool, mode: mode, on: !on)
        case let .shift(pool, from?, percent): return .shift(toward: from, from: pool, percent: percent)
        case .shift, .drain: return nil
        }
    }

    /// The pool whose figures the action changes, or nil for a node's.
    public var pool: String? {
        if case .drain = self { return nil }
        return target
    }

    /// What the action carries beyond its verb and target, keyed by the names the audit log,
    /// exec placeholders and webhook bodies use.
    public var parameters: [String: Value] {
        switch self {
        case let .scale(_, delta): return ["delta": .int(delta)]
        case let .degrade(_, mode, on): return ["mode": .mode(mode), "on": .bool(on)]
        case .drain: return [:]
        case let .shift(_, from, percent):
            var p: [String: Value] = ["percent": .percent(percent)]
            if let from { p["from"] = .name(from) }
            return p
        }
    }

    /// A shift without its `from`, given the first of the pool's blue/green `partners`; any
    /// other action (or a shift with no partner, which the fleet then refuses) as it is.
    public func namingShiftPartner(_ partners: (String) -> [String]) -> OperatorAction {
        guard case let .shift(to, nil, percent) = self, let partner = partners(to).first else { return self }
        return .shift(toward: to, from: partner, percent: percent)
    }

    /// In words, as the events log and the simulator actuator's request show it.
    public var summary: String {
        switch self {
        case let .scale(pool, delta): return "scale \(pool) by \(delta > 0 ? "+" : "")\(delta)"
        case let .degrade(pool, mode, on): return "\(on ? "degrade" : "restore") \(pool): \(mode.title)"
        case let .drain(node): return "drain \(node)"
        case let .shift(to, from, percent):
            return "shift \(Format.compact(percent))% of traffic \(from.map { "from \($0) " } ?? "")to \(to)"
        }
    }
}

extension OperatorAction.Value {
    /// As the audit log keeps it.
    public var text: String {
        switch self {
        case .int(let n): return "\(n)"
        case .bool(let b): return b ? "true" : "false"
        case .percent(let p): return Format.compact(p)
        case .mode(let m): return m.rawValue
        case .name(let s): return s
        }
    }
}

import FleetCore

/// What an action does for a pool, whatever its size: the advisor's hysteresis counts +2 and
/// +4 as one remedy, and an operator's `+1` as applying the recommended `+2`.
public enum Remedy: Hashable, Sendable {
    case nothing
    case scaleUp(pool: String)
    case scaleDown(pool: String)
    case degrade(pool: String, mode: DegradeMode)
    case restore(pool: String, mode: DegradeMode)
    case reroute(toward: String)
    case drain(node: String)

    public init(_ action: OperatorAction?) {
        switch action {
        case nil: self = .nothing
        case let .scale(pool, delta)?: self = delta > 0 ? .scaleUp(pool: pool) : .scaleDown(pool: pool)
        case let .degrade(pool, mode, on)?: self = on ? .degrade(pool: pool, mode: mode) : .restore(pool: pool, mode: mode)
        case let .shift(toward, _, _)?: self = .reroute(toward: toward)
        case let .drain(node)?: self = .drain(node: node)
        }
    }

    public var isRestore: Bool {
        if case .restore = self { return true }
        return false
    }
}

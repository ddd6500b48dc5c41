import FleetCore

/// Acts on the embedded simulated fleet through its driver: the demo's actuator, and the
/// what-if engine's.
public struct SimulatorActuator: Actuator {
    public let name = "simulator"
    private let driver: SimulationDriver
    private let coldStarts: [String: Double]

    public init(driver: SimulationDriver, scenario: Scenario) {
        self.driver = driver
        coldStarts = Dictionary(uniqueKeysWithValues: scenario.pools.map { ($0.id, FleetSimulator.coldStart($0.model)) })
    }

    /// The action with its blue/green partner named, or why it has none.
    func resolved(_ action: OperatorAction) -> Result<OperatorAction, ActionError> {
        guard case let .shift(to, nil, percent) = action else { return .success(action) }
        guard let partner = driver.splitPartners(to).first else {
            return .failure(ActionError("\(to) has no blue/green partner: no class splits its traffic"))
        }
        return .success(.shift(toward: to, from: partner, percent: percent))
    }

    public func request(for action: OperatorAction) -> String {
        switch resolved(action) {
        case .success(let a): return a.summary
        case .failure(let e): return "none (\(e))"
        }
    }

    public func describe(_ action: OperatorAction, snapshot s: FleetSnapshot) -> String {
        switch action {
        case let .scale(pool, delta):
            let now = s.pool(pool)?.nodes ?? 0
            if delta > 0 {
                let cold = coldStarts[pool].map { " after a cold start of about \(Format.duration($0))" } ?? ""
                return "Scale pool \(pool) from \(now) to \(now + delta) replicas; the new ones serve\(cold)."
            }
            return "Scale pool \(pool) from \(now) to \(now + delta) replicas; the newest \(-delta) drain, then leave."
        case let .degrade(pool, mode, on):
            return on ? "Degrade pool \(pool): \(mode.title)." : "Restore pool \(pool): stop '\(mode.title)'."
        case let .drain(node):
            return "Drain node \(node): it takes no new requests and goes down once its \(s.nodes.first { $0.id == node }.map { "\($0.running + $0.waiting)" } ?? "") requests finish."
        case let .shift(pool, from, percent):
            let partner = from ?? driver.splitPartners(pool).first ?? "its partner"
            return "Shift \(Format.compact(percent))% of the split traffic from \(partner) to \(pool) (blue/green)."
        }
    }

    public func execute(_ action: OperatorAction) async -> Result<String, ActionError> {
        switch resolved(action) {
        case .failure(let e): return .failure(e)
        case .success(let a): return await driver.perform(a).mapError { ActionError($0.description) }
        }
    }
}

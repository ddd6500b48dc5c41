import FleetCore

/// Acts on the embedded simulated fleet through its driver: the demo's actuator, and the
/// what-if engine's.
public struct SimulatorActuator: Actuator {
    public let name = "simulator"
    private let driver: SimulationDriver
    private let coldStarts: [String: Double]

    public init(driver: SimulationDriver, scenario: Scenario) {
        self.driver = driver
        coldStarts = Dictionary(uniqueKeysWithValues: scenario.pools.map { ($0.id, FleetSimulator.coldStart($0)) })
    }

    /// What the simulator will be asked, as its events log will say it.
    public func request(for action: OperatorAction) -> String {
        action.namingShiftPartner(driver.splitPartners).summary
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
        case .shift:
            guard case let .shift(pool, from?, percent) = action.namingShiftPartner(driver.splitPartners) else {
                return "Shift traffic toward \(action.target): it has no blue/green partner (no class splits its traffic)."
            }
            return "Shift \(Format.compact(percent))% of the split traffic from \(from) to \(pool) (blue/green)."
        }
    }

    public func execute(_ action: OperatorAction) async -> Result<String, ActionError> {
        // The simulator names a shift's partner itself, from the fleet as it stands.
        await driver.perform(action).mapError { ActionError($0.description) }
    }
}

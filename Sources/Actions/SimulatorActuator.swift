import FleetCore
import Foundation
import Scheduler

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

    /// The simulator's own action for an operator's.
    public func fleetAction(_ action: OperatorAction) -> Result<FleetAction, AuditError> {
        FleetAction.from(action, splitPartners: driver.splitPartners).mapError { AuditError($0.description) }
    }

    public func request(for action: OperatorAction) -> String {
        switch fleetAction(action) {
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
            let title = DegradeMode(rawValue: mode)?.title ?? mode
            return on ? "Degrade pool \(pool): \(title)." : "Restore pool \(pool): stop '\(title)'."
        case let .drain(node):
            return "Drain node \(node): it takes no new requests and goes down once its \(s.nodes.first { $0.id == node }.map { "\($0.running + $0.waiting)" } ?? "") requests finish."
        case let .shiftToward(pool, percent):
            let partner = driver.splitPartners(pool).first ?? "its partner"
            return "Shift \(Format.compact(percent))% of the split traffic from \(partner) to \(pool) (blue/green)."
        }
    }

    public func execute(_ action: OperatorAction) async -> Result<String, AuditError> {
        switch fleetAction(action) {
        case .failure(let e): return .failure(e)
        case .success(let a):
            switch await driver.perform(a) {
            case .success(let text): return .success(text)
            case .failure(let e): return .failure(AuditError(e.description))
            }
        }
    }
}

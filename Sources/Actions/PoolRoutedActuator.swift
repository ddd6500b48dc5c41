import FleetCore

/// Sends each action to its pool's actuator (a node's action to its pool's).
public struct PoolRoutedActuator: Actuator {
    public let name = "config"
    let actuators: [String: any Actuator]
    let poolOfNode: @Sendable (String) -> String?

    public init(actuators: [String: any Actuator], poolOfNode: @escaping @Sendable (String) -> String?) {
        self.actuators = actuators; self.poolOfNode = poolOfNode
    }

    func actuator(_ action: OperatorAction) -> (any Actuator)? {
        if case .drain(let node) = action { return poolOfNode(node).flatMap { actuators[$0] } }
        return actuators[action.target]
    }

    public func name(for action: OperatorAction) -> String { actuator(action)?.name ?? "no" }

    public func request(for action: OperatorAction) -> String {
        actuator(action)?.request(for: action) ?? "none (no actuator configured for \(action.target))"
    }

    public func describe(_ action: OperatorAction, snapshot: FleetSnapshot) -> String {
        actuator(action)?.describe(action, snapshot: snapshot) ?? "No actuator is configured for \(action.target) (actions: pools: in the config)."
    }

    public func execute(_ action: OperatorAction) async -> Result<String, ActionError> {
        guard let a = actuator(action) else { return .failure(ActionError("no actuator configured for \(action.target)")) }
        return await a.execute(action)
    }
}

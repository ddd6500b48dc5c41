import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore

/// POSTs the action as JSON to a webhook, with a timeout and an optional bearer token (read
/// from a file by the config). A status outside 2xx is a failed action.
public struct HTTPActuator: Actuator {
    public let name = "http"
    public let url: String
    let authorization: String?
    public let timeout: Double
    let client: HTTPClient

    public init(url: String, authorization: String?, timeout: Double, client: HTTPClient) {
        self.url = url; self.authorization = authorization; self.timeout = timeout; self.client = client
    }

    /// The JSON body: what, to what, with which parameters, by whom.
    public func body(_ action: OperatorAction) -> Data {
        var parameters: [String: Any] = [:]
        switch action {
        case let .scale(_, delta): parameters["delta"] = delta
        case let .degrade(_, mode, on): parameters["mode"] = mode; parameters["on"] = on
        case let .shiftToward(_, percent): parameters["percent"] = percent
        case .drain: break
        }
        let object: [String: Any] = ["action": action.name, "target": action.target, "parameters": parameters,
                                     "user": ActionExecutor.user, "host": ActionExecutor.host, "source": "fleetdeck"]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    public func request(for action: OperatorAction) -> String {
        "POST \(url) \(String(decoding: body(action), as: UTF8.self))"
    }

    public func describe(_ action: OperatorAction, snapshot: FleetSnapshot) -> String {
        "\(action.name.capitalized) \(action.target) through the webhook (timeout \(Format.duration(timeout)))."
    }

    public func execute(_ action: OperatorAction) async -> Result<String, AuditError> {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "fleetdeck")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: Array(body(action))))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            let shown = TerminalText.sanitized(String(text.prefix(200))).trimmingCharacters(in: .whitespacesAndNewlines)
            guard (200..<300).contains(response.status.code) else {
                return .failure(AuditError("HTTP \(response.status.code)" + (shown.isEmpty ? "" : ": \(shown)")))
            }
            return .success("HTTP \(response.status.code)" + (shown.isEmpty ? "" : ": \(shown)"))
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout {
            return .failure(AuditError("timed out after \(Format.duration(timeout))"))
        } catch {
            return .failure(AuditError("\(error)"))
        }
    }
}

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

    public func execute(_ action: OperatorAction) async -> Result<String, AuditError> {
        guard let a = actuator(action) else { return .failure(AuditError("no actuator configured for \(action.target)")) }
        return await a.execute(action)
    }
}

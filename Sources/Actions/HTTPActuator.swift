import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore

/// POSTs the action as JSON to a webhook, with a timeout and an optional bearer token (read
/// from a file by the config). A status outside 2xx is a failed action; so is a redirect,
/// which is not followed (give it a client made with `followRedirects: false`), since the
/// action would land where the audit log does not say.
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
        let parameters: [String: Any] = action.parameters.mapValues { value -> Any in
            switch value {
            case .int(let n): return n
            case .bool(let b): return b
            case .percent(let p): return p
            case .mode(let m): return m.rawValue
            case .name(let s): return s
            }
        }
        let object: [String: Any] = ["action": action.verb.rawValue, "target": action.target, "parameters": parameters,
                                     "user": ActionExecutor.user, "host": ActionExecutor.host, "source": "fleetdeck"]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    public func request(for action: OperatorAction) -> String {
        "POST \(url) \(String(decoding: body(action), as: UTF8.self))"
    }

    public func describe(_ action: OperatorAction, snapshot: FleetSnapshot) -> String {
        "\(action.verb.rawValue.capitalized) \(action.target) through the webhook (timeout \(Format.duration(timeout)))."
    }

    public func execute(_ action: OperatorAction) async -> Result<String, ActionError> {
        await WebhookPost.send(Array(body(action)), to: url, authorization: authorization, timeout: timeout, client: client,
                               redirectNote: "actions are not sent on")
    }
}

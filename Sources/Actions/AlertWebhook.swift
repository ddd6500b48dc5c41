import AsyncHTTPClient
import FleetCore
import Foundation
import Synchronization

/// Sends each tick's fired and resolved alerts to the config's `alerts.webhook`, in
/// Alertmanager's webhook shape (version 4: `status`, `alerts` with `labels`, `annotations`,
/// `startsAt`, `endsAt`), so a receiver written for Alertmanager reads it. Every delivery is
/// one POST through the http actuator's exchange (deadline, no redirects) and one audit record
/// (`notify`); a failure is said in the events log. At most `maximumInFlight` deliveries wait
/// on a slow receiver; past that a tick's alerts are dropped and the log says so, so a dead
/// webhook costs bounded memory.
public final class AlertWebhook: Sendable {
    public static let maximumInFlight = 4

    public let settings: AlertSettings.Webhook
    private let client: HTTPClient
    private let audit: AuditLog?
    private let report: @Sendable (FleetEvent.Severity, String) -> Void
    private let inFlight = Mutex(0)

    public init(settings: AlertSettings.Webhook, client: HTTPClient, audit: AuditLog?,
                report: @escaping @Sendable (FleetEvent.Severity, String) -> Void) {
        self.settings = settings; self.client = client; self.audit = audit; self.report = report
    }

    /// The JSON body for `transitions`, at Unix time `now`.
    public static func body(_ transitions: [AlertEvaluator.Transition], now: Double) -> [UInt8] {
        let iso = ISO8601DateFormatter()
        func time(_ t: Double) -> String { iso.string(from: Date(timeIntervalSince1970: t)) }
        let alerts: [[String: Any]] = transitions.map { t in
            let a = t.alert
            let started = t.fired ? now : now - (t.firedFor ?? 0)
            return ["status": t.fired ? "firing" : "resolved",
                    "labels": ["alertname": a.name, "pool": a.pool, "severity": a.severity.rawValue],
                    "annotations": ["summary": a.summary],
                    "startsAt": time(started),
                    "endsAt": t.fired ? "0001-01-01T00:00:00Z" : time(now),
                    "generatorURL": ""]
        }
        let object: [String: Any] = ["version": "4", "receiver": "fleetdeck",
                                     "status": transitions.contains { $0.fired } ? "firing" : "resolved",
                                     "alerts": alerts, "commonLabels": [String: String](), "externalURL": "",
                                     "host": ActionExecutor.host, "source": "fleetdeck"]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    public func deliver(_ transitions: [AlertEvaluator.Transition]) {
        guard !transitions.isEmpty else { return }
        let names = transitions.map { "\($0.alert.name) on \($0.alert.pool)" }.joined(separator: ", ")
        let admitted = inFlight.withLock { n -> Bool in
            guard n < Self.maximumInFlight else { return false }
            n += 1
            return true
        }
        guard admitted else {
            report(.warning, "alert webhook busy (\(Self.maximumInFlight) deliveries waiting): not sent: \(names)")
            return
        }
        let body = Self.body(transitions, now: Date().timeIntervalSince1970)
        Task.detached { [self] in
            let started = Date().timeIntervalSince1970
            let result = await WebhookPost.send(body, to: settings.url, authorization: settings.authorization,
                                                timeout: settings.timeout, client: client, redirectNote: "alerts are not sent on")
            inFlight.withLock { $0 -= 1 }
            let duration = Date().timeIntervalSince1970 - started
            let (outcome, detail): (AuditOutcome, String) = switch result {
            case .success(let text): (.ok, text)
            case .failure(let e): (.failed, e.description)
            }
            let first = transitions[0].alert
            let record = AuditRecord(time: started, user: ActionExecutor.user, host: ActionExecutor.host, action: .notify,
                                     target: transitions.count == 1 ? first.pool : "\(transitions.count) alerts",
                                     parameters: ["alert": transitions.count == 1 ? first.name : names,
                                                  "status": transitions.count == 1 ? (transitions[0].fired ? "firing" : "resolved") : "mixed"],
                                     actuator: "webhook", request: "POST \(settings.url)", result: outcome, detail: detail, duration: duration)
            try? audit?.append(record)
            if outcome == .failed { report(.warning, "alert webhook: \(names) not delivered: \(detail)") }
        }
    }
}

/// An alert pending or firing on a pool, as the header, the alerts screen, a recording and a
/// webhook carry it.
public struct FleetAlert: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case pending, firing }

    /// The rule's name, or `OBJECTIVE-budget` (`e2e_p95-budget`) for a burn-rate alert.
    public var name: String
    public var pool: String
    public var severity: AlertSeverity
    public var state: State
    /// When the condition began (pending) or the alert fired (firing), on the source's clock.
    public var since: Double
    /// What holds, in figures: "waiting_per_node 12 > 8".
    public var summary: String

    public init(name: String, pool: String, severity: AlertSeverity, state: State, since: Double, summary: String) {
        self.name = name; self.pool = pool; self.severity = severity; self.state = state
        self.since = since; self.summary = summary
    }

    /// One alert per rule and pool.
    public var id: String { "\(name)/\(pool)" }

    /// The events log's severity for it.
    public var eventSeverity: FleetEvent.Severity {
        switch severity {
        case .page: .critical
        case .ticket: .warning
        case .info: .info
        }
    }
}

extension FleetSnapshot {
    /// The alerts firing now, the loudest and oldest first.
    public var firingAlerts: [FleetAlert] {
        (alerts ?? []).filter { $0.state == .firing }
            .sorted { ($0.severity, -$0.since) > ($1.severity, -$1.since) }
    }
}

import FleetCore

/// The rows each table other than the nodes' shows: the snapshot's, kept by the screen's own
/// `/` filter. Screens, the selection and exports all read them here, so what is exported or
/// acted on is what is on screen. Each table names the fields its filter knows.
public enum TableRows {
    public static let poolFields = ["pool", "engine", "model", "kind", "degraded"]
    public static let eventFields = ["message", "severity", "kind", "pool", "node"]
    public static let sourceFields = ["source", "kind", "address", "state", "stack", "reason"]
    public static let auditFields = ["target", "user", "action", "result", "actuator", "parameters", "detail"]
    public static let alertFields = ["alert", "pool", "severity", "state", "summary", "objective"]

    /// The fields the current screen's filter knows.
    public static func fields(_ state: ConsoleState) -> [String] {
        if state.filtersNodes { return NodeFilter.Field.allCases.map(\.rawValue) }
        switch state.screen {
        case .pools: return poolFields
        case .events: return eventFields
        case .sources: return sourceFields
        case .audit: return auditFields
        case .alerts: return alertFields
        case .overview, .nodes, .scheduler: return NodeFilter.Field.allCases.map(\.rawValue)
        }
    }

    /// Why the current filter matches nothing (a bad field or pattern), if it is bad.
    public static func filterError(_ state: ConsoleState) -> String? {
        let text = state.activeFilter
        return text.isEmpty ? nil : TableFilter(text, fields: fields(state)).error
    }

    static func kept<T>(_ items: [T], _ text: String?, fields: [String], values: (T) -> [String]) -> [T] {
        guard let text, !text.isEmpty else { return items }
        let filter = TableFilter(text, fields: fields)
        return items.filter { filter.matches(values($0)) }
    }

    public static func pools(_ s: FleetSnapshot, _ state: ConsoleState) -> [PoolSnapshot] {
        kept(s.pools, state.screenFilters[.pools], fields: poolFields) {
            [$0.id, $0.engine, $0.model, $0.kind.rawValue, ($0.degradeModes ?? []).map(\.rawValue).joined(separator: " ")]
        }
    }

    public static func events(_ s: FleetSnapshot, _ state: ConsoleState) -> [FleetEvent] {
        kept(s.events, state.screenFilters[.events], fields: eventFields) {
            [$0.message, $0.severity.rawValue, $0.kind.rawValue, $0.pool ?? "", $0.node ?? ""]
        }
    }

    public static func sources(_ s: FleetSnapshot, _ state: ConsoleState) -> [SourceStatus] {
        kept(s.sources, state.screenFilters[.sources], fields: sourceFields) {
            [$0.id, $0.kind.rawValue, $0.address, $0.state.rawValue, $0.stack ?? "", $0.reason ?? ""]
        }
    }

    public static func audit(_ entries: [AuditEntry], _ state: ConsoleState) -> [AuditEntry] {
        kept(entries, state.screenFilters[.audit], fields: auditFields) {
            [$0.target, $0.user, $0.action.rawValue, $0.result.rawValue, $0.actuator, $0.parameters, $0.detail]
        }
    }

    public static func alerts(_ s: FleetSnapshot, _ state: ConsoleState) -> [FleetAlert] {
        kept(s.alerts ?? [], state.screenFilters[.alerts], fields: alertFields) {
            [$0.name, $0.pool, $0.severity.rawValue, $0.state.rawValue, $0.summary, ""]
        }
        .sorted { ($0.state == .firing ? 1 : 0, $0.severity, -$0.since) > ($1.state == .firing ? 1 : 0, $1.severity, -$1.since) }
    }

    public static func budgets(_ s: FleetSnapshot, _ state: ConsoleState) -> [ErrorBudgetStatus] {
        kept(s.budgets ?? [], state.screenFilters[.alerts], fields: alertFields) { ["", $0.pool, "", "", "", $0.objective.title] }
    }
}

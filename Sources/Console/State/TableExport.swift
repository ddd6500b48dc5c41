import FleetCore

/// The current screen's table as rows of text, for `Ctrl-S` and `:export`: the node table as
/// filtered and sorted on screen, the pools, the events, the sources, the audit entries, the
/// alerts, each as its `/` filter keeps them.
public struct ExportTable: Equatable, Sendable {
    public var name: String
    public var columns: [String]
    public var rows: [[String]]

    /// RFC 4180: fields with a comma, a quote or a line break quoted, quotes doubled. A text
    /// cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first, and not a
    /// number) starts with `'`: a label is data, never a formula.
    public var csv: String {
        func field(_ s: String) -> String {
            var s = s
            if let first = s.first, "=+-@\t\r".contains(first), Double(s) == nil { s = "'" + s }
            guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// An array of objects keyed by the column names; numbers stay text, as the screen shows them.
    public var json: String {
        let objects = rows.map { row in
            "  {" + zip(columns, row).map { "\(JSONString.quoted($0)): \(JSONString.quoted($1))" }.joined(separator: ", ") + "}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }

    /// The table of the screen on show, or nil where there is none (the scheduler, a detail).
    public static func of(_ state: ConsoleState, snapshot: FleetSnapshot, audit: [AuditEntry]) -> ExportTable? {
        let start = snapshot.timeOfDay - snapshot.time
        guard state.detailNodeID == nil, state.detailPoolID == nil else { return nil }
        switch state.screen {
        case .overview, .nodes:
            return ExportTable(name: "nodes", columns: ["node", "pool", "state", "engine", "model", "version", "gpu_util", "kv_cache",
                                                        "running", "waiting", "tokens_per_s", "reason"],
                               rows: NodeList.rows(snapshot, state: state).map { n in
                                   [n.id, n.pool, n.state.rawValue, n.engine, n.model, n.version, number(n.gpuUtilization),
                                    number(n.kvCacheUsage), "\(n.running)", "\(n.waiting)", number(n.tokensPerSecond), n.stateReason ?? ""]
                               })
        case .pools:
            return ExportTable(name: "pools", columns: ["pool", "engine", "nodes", "nodes_up", "arrivals_per_s", "completions_per_s",
                                                        "shed_per_s", "running", "waiting", "ttft_p95_s", "e2e_p95_s", "dollars_per_hour",
                                                        "degrade_modes"],
                               rows: TableRows.pools(snapshot, state).map { p in
                                   let lat = snapshot.latency(ofPool: p.id)
                                   return [p.id, p.engine, "\(p.nodes)", "\(p.nodesUp)", number(p.arrivalRate), number(p.completionRate),
                                           number(p.shedRate), "\(p.running)", "\(p.waiting)", lat?.ttft.p95.map(number) ?? "",
                                           lat?.e2e.p95.map(number) ?? "",
                                           snapshot.cost.pools.first { $0.pool == p.id }.map { number($0.dollarsPerHour) } ?? "",
                                           (p.degradeModes ?? []).map(\.rawValue).joined(separator: " ")]
                               })
        case .events:
            return ExportTable(name: "events", columns: ["time", "severity", "kind", "pool", "node", "message"],
                               rows: TableRows.events(snapshot, state).map { e in
                                   [Format.clock(start + e.time), e.severity.rawValue, e.kind.rawValue, e.pool ?? "", e.node ?? "", e.message]
                               })
        case .sources:
            return ExportTable(name: "sources", columns: ["source", "kind", "address", "state", "reason", "stack", "last_success_age_s",
                                                          "scrapes", "failures", "samples", "parse_issues"],
                               rows: TableRows.sources(snapshot, state).map { s in
                                   [s.id, s.kind.rawValue, s.address, s.state.rawValue, s.reason ?? "", s.stack ?? "",
                                    s.lastSuccessAge.map(number) ?? "", "\(s.scrapes)", "\(s.failures)", "\(s.samples)", "\(s.parseIssues)"]
                               })
        case .audit:
            return ExportTable(name: "audit", columns: ["time_unix", "user", "action", "target", "parameters", "actuator", "result",
                                                        "duration_s", "detail"],
                               rows: TableRows.audit(audit, state).reversed().map { a in
                                   [number(a.time), a.user, a.action.rawValue, a.target, a.parameters, a.actuator, a.result.rawValue,
                                    number(a.duration), a.detail]
                               })
        case .alerts:
            return ExportTable(name: "alerts", columns: ["alert", "pool", "severity", "state", "since", "summary"],
                               rows: TableRows.alerts(snapshot, state).map { a in
                                   [a.name, a.pool, a.severity.rawValue, a.state.rawValue, Format.clock(start + a.since), a.summary]
                               })
        case .scheduler:
            return nil
        }
    }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}

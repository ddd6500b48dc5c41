/// The events-log line for a node whose shown state changed: one wording and one severity for
/// every source (scrape, query API, streams), so a recording's node lines read alike whatever
/// fleet they came from. A node seen for the first time up says nothing; anything else that
/// changes does.
public enum NodeStateLog {
    /// `detail` follows an up line ("node vllm-0 up (vllm)"); `reason` a down, stale, degraded
    /// or draining one.
    public static func event(node: String, pool: String?, from old: NodeState?, to new: NodeState, reason: String?,
                             detail: String? = nil, at time: Double) -> FleetEvent? {
        guard old != new else { return nil }
        let why = reason.map { ": \($0)" } ?? ""
        let (severity, text): (FleetEvent.Severity, String)
        switch new {
        case .down: (severity, text) = (.critical, "node \(node) down\(why)")
        case .stale: (severity, text) = (.warning, "node \(node) stale\(why)")
        case .degraded, .draining: (severity, text) = (.warning, "node \(node) \(new.rawValue)\(why)")
        case .up:
            guard old != nil else { return nil }
            (severity, text) = (.info, "node \(node) up" + (detail.map { " (\($0))" } ?? ""))
        }
        return FleetEvent(time: time, severity: severity, kind: .node, message: text, pool: pool, node: node)
    }
}

/// Something an operator should know happened, at a time.
public struct FleetEvent: Codable, Sendable, Equatable {
    public enum Severity: String, Codable, Sendable, Comparable {
        case info, warning, critical

        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public enum Kind: String, Codable, Sendable {
        case incident, sloBreach, sloRecovered, node, load, action, note
        /// An alert rule or a burn-rate alert fired, or resolved.
        case alert, alertResolved
    }

    public var time: Double
    public var severity: Severity
    public var kind: Kind
    public var message: String
    public var pool: String?
    public var node: String?

    public init(time: Double, severity: Severity, kind: Kind, message: String,
                pool: String? = nil, node: String? = nil) {
        self.time = time; self.severity = severity; self.kind = kind
        self.message = message; self.pool = pool; self.node = node
    }
}

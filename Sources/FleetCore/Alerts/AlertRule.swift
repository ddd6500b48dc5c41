import Foundation

/// How loud an alert is: a page wakes someone (the bell, red in the header), a ticket waits for
/// working hours, info is for the log. The burn-rate alerts use the first two as the SRE
/// workbook does.
public enum AlertSeverity: String, Codable, Sendable, CaseIterable, Comparable {
    case info, ticket, page

    private var rank: Int { self == .info ? 0 : self == .ticket ? 1 : 2 }
    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a.rank < b.rank }
}

/// One rule of the config's `alerts.rules`: a pool's signal against a threshold, held for a
/// while before it fires (Prometheus' `for:`), on every pool or the ones named.
public struct AlertRule: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable {
        case above = ">", atLeast = ">=", below = "<", atMost = "<="

        func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .above: value > threshold
            case .atLeast: value >= threshold
            case .below: value < threshold
            case .atMost: value <= threshold
            }
        }
    }

    public var name: String
    public var signal: PoolSignal
    public var comparison: Comparison
    public var threshold: Double
    /// Seconds the condition must hold before the alert fires; 0 fires at once.
    public var forSeconds: Double
    public var severity: AlertSeverity
    /// Only these pools; nil for every pool.
    public var pools: [String]?

    public init(name: String, signal: PoolSignal, comparison: Comparison, threshold: Double, forSeconds: Double = 0,
                severity: AlertSeverity = .page, pools: [String]? = nil) {
        self.name = name; self.signal = signal; self.comparison = comparison; self.threshold = threshold
        self.forSeconds = forSeconds; self.severity = severity; self.pools = pools
    }

    /// "waiting_per_node > 8".
    public var expression: String { "\(signal.name) \(comparison.rawValue) \(signal.formatted(threshold))" }

    /// `SIGNAL OP THRESHOLD`, e.g. `ttft_p95 > 2s`, `error_rate >= 1%`, `nodes_up < 2`; the
    /// problem in words when it does not parse.
    public static func parse(expression text: String) -> Result<(PoolSignal, Comparison, Double), AlertRuleError> {
        // Two-character operators first, so ">=" is not read as ">" and "=2".
        let ops: [Comparison] = [.atLeast, .atMost, .above, .below]
        guard let op = ops.first(where: { text.contains($0.rawValue) }),
              let range = text.range(of: op.rawValue) else {
            return .failure(AlertRuleError("expected SIGNAL > THRESHOLD (or >=, <, <=), e.g. ttft_p95 > 2s"))
        }
        let name = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let rest = String(text[range.upperBound...])
        guard let signal = PoolSignal(name: name) else {
            return .failure(AlertRuleError("unknown signal '\(TerminalText.sanitized(name))' (known: \(PoolSignal.names.joined(separator: ", ")))"))
        }
        guard let threshold = signal.threshold(rest) else {
            let example = switch signal.unit {
            case .seconds: "2s or 250ms"
            case .ratio: "5% or 0.05"
            case .dollars: "$40"
            case .perSecond: "12 or 12/s"
            case .count: "8"
            }
            return .failure(AlertRuleError("'\(TerminalText.sanitized(rest.trimmingCharacters(in: .whitespaces)))' is not a threshold for \(signal.name) (e.g. \(example))"))
        }
        return .success((signal, op, threshold))
    }
}

public struct AlertRuleError: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// The config's `alerts:` section: rules over the pools' signals, the burn-rate alerts on each
/// objective's error budget, the bell, and where firing and resolved alerts are sent.
///
///     alerts:
///       burn_rate: true            # multi-window burn-rate alerts on every SLO (default)
///       bell: true                 # ring the terminal's bell when a page fires
///       webhook: {url: "http://alerts.internal/hook", timeout_ms: 5000, bearer_token_file: /etc/token}
///       rules:
///         - {name: queue-building, expr: "waiting_per_node > 8", for: 2m, severity: page}
///         - {name: slow-tokens, expr: "tpot_p95 > 80ms", for: 5m, severity: ticket, pools: [chat]}
public struct AlertSettings: Sendable, Equatable {
    public struct Webhook: Sendable, Equatable {
        public var url: String
        public var timeout: Double
        /// "Bearer ..." from a file or the environment, never written in the config.
        public var authorization: String?

        public init(url: String, timeout: Double = 5, authorization: String? = nil) {
            self.url = url; self.timeout = timeout; self.authorization = authorization
        }
    }

    public var rules: [AlertRule] = []
    public var burnRate = true
    public var bell = false
    public var webhook: Webhook?

    public init(rules: [AlertRule] = [], burnRate: Bool = true, bell: Bool = false, webhook: Webhook? = nil) {
        self.rules = rules; self.burnRate = burnRate; self.bell = bell; self.webhook = webhook
    }

    /// Nothing to evaluate: no rule and no burn-rate alerts.
    public var isEmpty: Bool { rules.isEmpty && !burnRate }

    /// The section read, every problem an error naming its line and field.
    public static func read(_ v: YAMLValue) throws -> AlertSettings {
        try v.allowKeys(["rules", "burn_rate", "bell", "webhook"])
        var s = AlertSettings()
        s.burnRate = try v.optional("burn_rate")?.bool() ?? true
        s.bell = try v.optional("bell")?.bool() ?? false
        if let w = try v.optional("webhook") {
            try w.allowKeys(["url", "timeout_ms", "bearer_token_file", "bearer_token_env"])
            let urlValue = try w.required("url")
            let url = try urlValue.string()
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                throw urlValue.error("expected an http:// or https:// URL")
            }
            let token = try YAMLValue.secret(file: w.optional("bearer_token_file"), env: w.optional("bearer_token_env"))
            s.webhook = Webhook(url: url, timeout: (try w.optional("timeout_ms")?.double(in: 50...60_000) ?? 5000) / 1000,
                                authorization: token.map { "Bearer \($0)" })
        }
        var names = Set<String>()
        for r in try v.optional("rules")?.array() ?? [] {
            try r.allowKeys(["name", "expr", "for", "severity", "pools"])
            let nameValue = try r.required("name")
            let name = try nameValue.string()
            guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw nameValue.error("a rule's name is letters, digits, '-', '_' and '.', at most 64")
            }
            guard names.insert(name).inserted else { throw nameValue.error("two rules are called '\(name)'") }
            let exprValue = try r.required("expr")
            let parsed: (PoolSignal, AlertRule.Comparison, Double)
            switch AlertRule.parse(expression: try exprValue.string()) {
            case .success(let p): parsed = p
            case .failure(let e): throw exprValue.error(e.message)
            }
            var forSeconds = 0.0
            if let f = try r.optional("for") {
                let text = try f.string()
                guard let seconds = PrometheusDuration.seconds(text), seconds <= 86_400 else {
                    throw f.error("expected a duration such as 30s, 5m or 1h, at most a day")
                }
                forSeconds = seconds
            }
            let severity = try r.optional("severity").map { AlertSeverity(rawValue: try $0.oneOf(AlertSeverity.allCases.map(\.rawValue)))! } ?? .page
            let pools = try r.optional("pools")?.array().map { try $0.string() }
            s.rules.append(AlertRule(name: name, signal: parsed.0, comparison: parsed.1, threshold: parsed.2,
                                     forSeconds: forSeconds, severity: severity, pools: pools))
        }
        return s
    }
}

/// Prometheus' duration syntax: numbers with units, largest unit first, each at most once
/// (y, w, d, h, m, s, ms), as `for:` and scrape intervals write them.
public enum PrometheusDuration {
    /// Seconds, or nil when `text` is not a duration. A decimal number is taken too ("1.5h").
    public static func seconds(_ text: String) -> Double? {
        let order: [(unit: String, seconds: Double)] = [("y", 365 * 86_400), ("w", 7 * 86_400), ("d", 86_400), ("h", 3600),
                                                        ("m", 60), ("s", 1), ("ms", 0.001)]
        var rest = Substring(text)
        var total = 0.0
        var next = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !digits.isEmpty, let n = Double(digits), n.isFinite else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m": the longest unit name that matches.
            guard let k = order.indices.filter({ $0 >= next && rest.hasPrefix(order[$0].unit) })
                .max(by: { order[$0].unit.count < order[$1].unit.count }) else { return nil }
            rest = rest.dropFirst(order[k].unit.count)
            total += n * order[k].seconds
            next = k + 1
        }
        return next > 0 ? total : nil
    }
}

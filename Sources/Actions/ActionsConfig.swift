import FleetCore
import Foundation

/// The `actions:` part of the config: which actuator acts on each pool, and its limits.
///
///     actions:
///       cooldown_s: 30
///       pools:
///         chat:
///           actuator: exec
///           argv: ["kubectl", "scale", "deployment/{deployment}", "-n", "{namespace}", "--replicas={replicas}"]
///           vars: {deployment: vllm-chat, namespace: llm}
///           timeout_s: 30
///           min_replicas: 2
///           max_replicas: 16
///         rag:
///           actuator: http
///           url: "https://ops.internal/hooks/fleetdeck"
///           bearer_token_file: /etc/fleetdeck/hook-token
public struct ActionsConfig: Sendable, Equatable {
    public enum Actuator: Sendable, Equatable {
        case exec(argv: [String], vars: [String: String])
        case http(url: String, authorization: String?)
    }

    public struct Pool: Sendable, Equatable {
        public var actuator: Actuator
        public var timeout: Double
        public var minReplicas: Int
        public var maxReplicas: Int
    }

    public var cooldown: Double = 30
    public var pools: [String: Pool] = [:]

    public init() {}

    /// Placeholders an argv may use: computed numbers and names from the action, plus the
    /// pool's `vars`. Nothing scraped can fill one.
    public static let computedPlaceholders: Set<String> = ["pool", "node", "replicas", "delta", "mode", "on", "percent", "action"]

    /// DNS-1123 label: what Kubernetes accepts for names, and safe in any argv.
    public static func isDNSLabel(_ s: String) -> Bool {
        guard (1...63).contains(s.utf8.count), let first = s.utf8.first, let last = s.utf8.last else { return false }
        func ok(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D }
        return s.utf8.allSatisfy(ok) && first != 0x2D && last != 0x2D
    }

    /// `argv:` and `vars:` of an exec template: a program, placeholders that are either
    /// `computed` or a var, and vars that are DNS-1123 names.
    static func readArgv(_ p: YAMLValue, computed: Set<String>) throws -> (argv: [String], vars: [String: String]) {
        let av = try p.required("argv")
        let argv = try av.array().map { try $0.string() }
        guard let first = argv.first, first.hasPrefix("/") || !first.contains("/") else {
            throw av.error("argv needs a program (a name on PATH or an absolute path)")
        }
        var vars: [String: String] = [:]
        for (k, v) in try p.optional("vars")?.entries() ?? [] {
            let value = try v.string()
            guard isDNSLabel(value) else { throw v.error("'\(value)' is not a DNS-1123 name (lowercase letters, digits, '-')") }
            guard !computed.contains(k) else { throw v.error("'\(k)' is computed by fleetdeck and cannot be set") }
            vars[k] = value
        }
        for arg in argv {
            for name in ArgvTemplate.placeholders(in: arg) where !computed.contains(name) && vars[name] == nil {
                throw av.error("unknown placeholder {\(name)} (known: \((computed.sorted() + vars.keys.sorted()).joined(separator: ", ")))")
            }
        }
        return (argv, vars)
    }

    public static func read(_ doc: YAMLValue) throws -> ActionsConfig {
        var c = ActionsConfig()
        try doc.allowKeys(["cooldown_s", "pools"])
        c.cooldown = try doc.optional("cooldown_s")?.double(in: 0...86_400) ?? 30
        for (name, p) in try doc.optional("pools")?.entries() ?? [] {
            try p.allowKeys(["actuator", "argv", "vars", "url", "bearer_token_file", "bearer_token_env", "timeout_s", "min_replicas", "max_replicas"])
            let kind = try p.required("actuator").oneOf(["exec", "http", "simulator"])
            let actuator: Actuator
            switch kind {
            case "exec":
                let (argv, vars) = try readArgv(p, computed: computedPlaceholders)
                actuator = .exec(argv: argv, vars: vars)
            case "http":
                let uv = try p.required("url")
                let url = try uv.string()
                guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                    throw uv.error("expected an http:// or https:// URL")
                }
                let token = try YAMLValue.secret(file: p.optional("bearer_token_file"), env: p.optional("bearer_token_env"))
                actuator = .http(url: url, authorization: token.map { "Bearer \($0)" })
            default:
                throw try p.required("actuator").error("the simulator actuator is the demo's; a watched pool needs exec or http")
            }
            let minR = try p.optional("min_replicas")?.int(in: 0...10_000) ?? 1
            let maxR = try p.optional("max_replicas")?.int(in: 1...10_000) ?? 64
            guard minR <= maxR else { throw p.error("min_replicas \(minR) is above max_replicas \(maxR)") }
            c.pools[name] = Pool(actuator: actuator, timeout: try p.optional("timeout_s")?.double(in: 0.1...3600) ?? 30,
                                 minReplicas: minR, maxReplicas: maxR)
        }
        return c
    }
}

/// `{name}` placeholders in one argv element.
public enum ArgvTemplate {
    public static func placeholders(in arg: String) -> [String] {
        var out: [String] = []
        var rest = Substring(arg)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    /// The argv with every placeholder filled; nil (and why) when a value is missing or unsafe.
    public static func fill(_ argv: [String], values: [String: String]) -> Result<[String], ActionError> {
        var out: [String] = []
        for arg in argv {
            var filled = arg
            for name in placeholders(in: arg) {
                guard let v = values[name] else { return .failure(ActionError("no value for {\(name)} in this action")) }
                // Numbers as integers, names as DNS-1123 labels: nothing else reaches an argv.
                guard Int(v) != nil || ActionsConfig.isDNSLabel(v) || (name == "on" && (v == "true" || v == "false")) else {
                    return .failure(ActionError("{\(name)} = '\(TerminalText.sanitized(v))' is neither an integer nor a DNS-1123 name"))
                }
                filled = filled.replacingOccurrences(of: "{\(name)}", with: v)
            }
            out.append(filled)
        }
        return .success(out)
    }
}

import FleetCore
import Foundation

/// Prometheus' service-discovery document, as `file_sd_configs` files and `http_sd_configs`
/// endpoints serve it: a list of target groups, each `host:port` addresses sharing labels.
///
///     [{"targets": ["10.0.0.7:8000", "10.0.0.8:8000"], "labels": {"pool": "chat", "__metrics_path__": "/metrics"}}]
///
/// JSON or YAML (file_sd accepts both). Errors name the source and the line.
public struct TargetGroup: Sendable, Equatable {
    public var targets: [String]
    public var labels: [String: String]

    public init(targets: [String], labels: [String: String] = [:]) {
        self.targets = targets
        self.labels = labels
    }

    /// A document with more addresses than this is refused, and no more are taken from all
    /// providers together: a discovery source inventing targets cannot grow the console
    /// without bound (as the stream cap, Docs/limits.md).
    public static let maxTargets = 10_000

    public static func parse(_ text: String, source: String) throws -> [TargetGroup] {
        // An empty file is an empty list, as Prometheus reads it.
        if text.allSatisfy(\.isWhitespace) { return [] }
        let doc = try YAMLValue.parse(text, file: source)
        var total = 0
        return try doc.array().map { g in
            try g.allowKeys(["targets", "labels"])
            let targets = try (g.optional("targets")?.array() ?? []).map { try $0.string() }
            total += targets.count
            guard total <= maxTargets else { throw g.error("more than \(maxTargets) targets in one document") }
            var labels: [String: String] = [:]
            for (name, value) in try g.optional("labels")?.entries() ?? [] {
                guard Self.isLabelName(name) else { throw value.error("'\(TerminalText.sanitized(name))' is not a label name") }
                labels[name] = try value.string()
            }
            return TargetGroup(targets: targets, labels: labels)
        }
    }

    /// Prometheus' label names: [a-zA-Z_][a-zA-Z0-9_]*.
    static func isLabelName(_ s: String) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
        else { return false }
        return s.utf8.allSatisfy { c in
            c == UInt8(ascii: "_") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || ((c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z"))
        }
    }
}

/// Target groups made scrape targets, as Prometheus does before relabelling: the URL is
/// `__scheme__://address__metrics_path__` (defaults http and /metrics), the node is the label
/// the config names (default `instance`, which Prometheus sets to the address), the pool
/// likewise (default `pool`, else "default").
public struct DiscoveredTargets: Sendable, Equatable {
    public var targets: [WatchConfig.Target] = []
    /// What was left out and why ("10.0.0.9: not host:port"), for the Sources screen.
    public var skipped: [String] = []

    public init(_ groups: [TargetGroup], poolLabel: String, nodeLabel: String) {
        var seen = Set<String>()
        for group in groups {
            for address in group.targets {
                guard targets.count < TargetGroup.maxTargets else {
                    skipped.append("\(TerminalText.sanitized(address)): past \(TargetGroup.maxTargets) discovered targets (the cap)")
                    continue
                }
                var labels = group.labels
                labels["__address__"] = address
                if labels["instance"] == nil { labels["instance"] = address }
                let scheme = labels["__scheme__"] ?? "http"
                var path = labels["__metrics_path__"] ?? "/metrics"
                if !path.hasPrefix("/") { path = "/" + path }
                // As Prometheus: the path is a path; a "?" in it is escaped, not a query.
                path = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
                let shown = TerminalText.sanitized(address)
                guard scheme == "http" || scheme == "https" else {
                    skipped.append("\(shown): scheme '\(TerminalText.sanitized(scheme))' (http or https)")
                    continue
                }
                guard Self.isHostAndPort(address), let url = URL(string: "\(scheme)://\(address)\(path)"), url.host != nil else {
                    skipped.append("\(shown): not host:port")
                    continue
                }
                let node = TerminalText.sanitized(labels[nodeLabel] ?? address)
                guard seen.insert(node).inserted else {
                    skipped.append("\(shown): a second target called '\(node)'")
                    continue
                }
                targets.append(WatchConfig.Target(url: url.absoluteString, node: node,
                                                  pool: TerminalText.sanitized(labels[poolLabel] ?? "default")))
            }
        }
    }

    /// "host:port", "[v6]:port": a port is required, as Prometheus requires one, and nothing
    /// in the host that a URL would read as a path, a query, a fragment or a user.
    static func isHostAndPort(_ s: String) -> Bool {
        guard let colon = s.lastIndex(of: ":"), colon != s.startIndex,
              let port = Int(s[s.index(after: colon)...]), (1...65535).contains(port) else { return false }
        let host = s[..<colon]
        if host.hasPrefix("[") {
            // An IPv6 literal: hex digits and colons (and dots, for a v4 tail) in brackets.
            guard host.hasSuffix("]"), host.count > 2 else { return false }
            return host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return host.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
            && host.allSatisfy(\.isASCII)
    }
}

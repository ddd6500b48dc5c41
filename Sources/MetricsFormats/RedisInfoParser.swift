/// The reply of Redis' `INFO` command: `# Section` headers, `field:value` lines, CRLF endings,
/// and keyspace lines such as `db0:keys=1843120,expires=1843090,avg_ttl=2519774`.
public struct RedisInfo: Sendable, Equatable {
    public struct Keyspace: Sendable, Equatable {
        public var keys: Int
        public var expires: Int
        public var averageTTLMilliseconds: Int
    }

    /// Every field, by name (names are unique across sections in Redis' own output).
    public var fields: [String: String]
    /// Field names per section, in order.
    public var sections: [String: [String]]
    public var keyspaces: [String: Keyspace]
    public var issues: [ParseIssue]

    public func int(_ field: String) -> Int? { fields[field].flatMap { Int($0) } }
    public func double(_ field: String) -> Double? { fields[field].flatMap { NumberParsing.double($0) } }

    public var keyspaceHits: Int? { int("keyspace_hits") }
    public var keyspaceMisses: Int? { int("keyspace_misses") }

    /// Lifetime hit rate from the absolute counters.
    public var lifetimeHitRate: Double? {
        guard let h = keyspaceHits.map(Double.init), let m = keyspaceMisses.map(Double.init), h >= 0, m >= 0, h + m > 0 else { return nil }
        return h / (h + m)
    }
}

public enum RedisInfoParser {
    public static func parse(_ text: String) -> RedisInfo {
        var info = RedisInfo(fields: [:], sections: [:], keyspaces: [:], issues: [])
        var section = ""
        var lineNumber = 0
        // As Characters, "\r\n" is one grapheme: split on line breaks, not on "\n".
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            if line.isEmpty { continue }
            if line.first == "#" {
                section = String(line.dropFirst().drop { $0 == " " })
                info.sections[section, default: []] = info.sections[section] ?? []
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                info.issues.append(ParseIssue(line: lineNumber, message: "expected field:value"))
                continue
            }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...])
            info.fields[name] = value
            info.sections[section, default: []].append(name)
            if section == "Keyspace" {
                if let ks = keyspace(value) { info.keyspaces[name] = ks }
                else { info.issues.append(ParseIssue(line: lineNumber, message: "\(name): expected keys=N,expires=N,avg_ttl=N")) }
            }
        }
        return info
    }

    static func keyspace(_ value: String) -> RedisInfo.Keyspace? {
        var parts: [String: Int] = [:]
        for pair in value.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let n = Int(kv[1]) else { return nil }
            parts[String(kv[0])] = n
        }
        guard let keys = parts["keys"], let expires = parts["expires"] else { return nil }
        return RedisInfo.Keyspace(keys: keys, expires: expires, averageTTLMilliseconds: parts["avg_ttl"] ?? 0)
    }
}

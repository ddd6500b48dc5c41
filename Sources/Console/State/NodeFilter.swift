import FleetCore
import Glibc

/// The node tables' query, in the manner of bottom's process search. Terms are separated by
/// spaces and all must match, case-insensitively:
///
///     chat                 a substring of the node, pool, state, engine, model or version
///     pool:chat state:down  a substring of that field (node, pool, state, engine, model, version)
///     !draining            not matching
///     re:^chat-0[1-3]$     a POSIX extended regular expression (also pool:re:...)
///
/// Regular expressions are POSIX ERE through glibc, which matches in polynomial time: a
/// pattern typed into the filter cannot hang the render loop the way a backtracking engine
/// can. Back-references, which would bring backtracking back, are refused.
public struct NodeFilter {
    public enum Field: String, CaseIterable, Sendable {
        case node, pool, state, engine, model, version

        func value(of n: NodeSnapshot) -> String {
            switch self {
            case .node: return n.id
            case .pool: return n.pool
            case .state: return n.state.rawValue
            case .engine: return n.engine
            case .model: return n.model
            case .version: return n.version
            }
        }
    }

    private struct Term {
        var field: Field?
        var negated: Bool
        var pattern: Pattern
    }

    private enum Pattern {
        case substring(String)
        case regex(POSIXRegex)

        func matches(_ text: String) -> Bool {
            switch self {
            case .substring(let s): return text.lowercased().contains(s)
            case .regex(let r): return r.matches(text)
            }
        }
    }

    private let terms: [Term]
    /// Why the filter cannot be used (a bad field or pattern); it then matches nothing.
    public let error: String?

    public init(_ text: String) {
        var terms: [Term] = []
        var error: String?
        for word in text.split(separator: " ") {
            var rest = Substring(word)
            let negated = rest.hasPrefix("!")
            if negated { rest = rest.dropFirst() }
            var field: Field?
            if let colon = rest.firstIndex(of: ":"), rest[..<colon] != "re" {
                let name = rest[..<colon].lowercased()
                guard let f = Field(rawValue: name == "id" ? "node" : name) else {
                    error = "unknown field '\(name)' (fields: \(Field.allCases.map(\.rawValue).joined(separator: ", ")))"
                    break
                }
                field = f
                rest = rest[rest.index(after: colon)...]
            }
            if rest.hasPrefix("re:") {
                do {
                    terms.append(Term(field: field, negated: negated, pattern: .regex(try POSIXRegex(String(rest.dropFirst(3))))))
                } catch let e {
                    error = e.message
                    break
                }
            } else if !rest.isEmpty {
                terms.append(Term(field: field, negated: negated, pattern: .substring(rest.lowercased())))
            }
        }
        self.terms = error == nil ? terms : []
        self.error = error
    }

    public var isEmpty: Bool { terms.isEmpty && error == nil }

    public func matches(_ node: NodeSnapshot) -> Bool {
        guard error == nil else { return false }
        return terms.allSatisfy { term in
            let hit = term.field.map { term.pattern.matches($0.value(of: node)) }
                ?? Field.allCases.contains { term.pattern.matches($0.value(of: node)) }
            return hit != term.negated
        }
    }
}

struct PatternError: Error {
    let message: String
}

/// A compiled POSIX extended regular expression, case-insensitive, match-or-not only.
final class POSIXRegex: @unchecked Sendable {
    private var compiled = regex_t()

    init(_ pattern: String) throws(PatternError) {
        guard !pattern.isEmpty else { throw PatternError(message: "re: needs a pattern") }
        guard pattern.count <= 256 else { throw PatternError(message: "re: pattern longer than 256 characters") }
        // \1 .. \9: back-references make matching exponential.
        let scalars = Array(pattern.unicodeScalars)
        if zip(scalars, scalars.dropFirst()).contains(where: { $0 == "\\" && ("1"..."9").contains($1) }) {
            throw PatternError(message: "re: back-references (\\1 ...) are not supported")
        }
        let rc = regcomp(&compiled, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB)
        guard rc == 0 else {
            var buffer = [CChar](repeating: 0, count: 128)
            regerror(rc, &compiled, &buffer, buffer.count)
            throw PatternError(message: "re: \(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
    }

    func matches(_ text: String) -> Bool { regexec(&compiled, text, 0, nil, 0) == 0 }

    deinit { regfree(&compiled) }
}

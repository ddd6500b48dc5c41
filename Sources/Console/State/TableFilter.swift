import FleetCore
import Glibc

/// A table's query, in the manner of bottom's process search. Terms are separated by spaces
/// and all must match, case-insensitively:
///
///     chat                 a substring of any of the table's fields
///     pool:chat state:down  a substring of that field (each table names its own)
///     !draining            not matching
///     re:^chat-0[1-3]$     a POSIX extended regular expression (also pool:re:...)
///
/// Regular expressions are POSIX ERE through glibc, which matches in polynomial time: a
/// pattern typed into the filter cannot hang the render loop the way a backtracking engine
/// can. Back-references, which would bring backtracking back, are refused.
public struct TableFilter {
    private struct Term {
        /// Index into the table's fields; nil for any field.
        var field: Int?
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

    /// The fields the table's rows give, in the order `matches` takes their values.
    public let fields: [String]
    private let terms: [Term]
    /// Why the filter cannot be used (a bad field or pattern); it then matches nothing.
    public let error: String?

    /// `id` names the first field (the row's name) on every table.
    public init(_ text: String, fields: [String]) {
        self.fields = fields
        var terms: [Term] = []
        var error: String?
        for word in text.split(separator: " ") {
            var rest = Substring(word)
            let negated = rest.hasPrefix("!")
            if negated { rest = rest.dropFirst() }
            var field: Int?
            if let colon = rest.firstIndex(of: ":"), rest[..<colon] != "re" {
                let name = rest[..<colon].lowercased()
                guard let f = name == "id" ? 0 : fields.firstIndex(of: name) else {
                    error = "unknown field '\(TerminalText.sanitized(name))' (fields here: \(fields.joined(separator: ", ")))"
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

    /// Whether a row whose fields hold `values` (in `fields` order) passes.
    public func matches(_ values: [String]) -> Bool {
        guard error == nil else { return false }
        return terms.allSatisfy { term in
            let hit = term.field.map { $0 < values.count && term.pattern.matches(values[$0]) }
                ?? values.contains { term.pattern.matches($0) }
            return hit != term.negated
        }
    }
}

/// The node tables' filter: node, pool, state, engine, model and version.
public struct NodeFilter {
    public enum Field: String, CaseIterable, Sendable {
        case node, pool, state, engine, model, version
    }

    private let filter: TableFilter

    public init(_ text: String) { filter = TableFilter(text, fields: Field.allCases.map(\.rawValue)) }

    public var error: String? { filter.error }
    public var isEmpty: Bool { filter.isEmpty }

    public func matches(_ n: NodeSnapshot) -> Bool {
        filter.matches([n.id, n.pool, n.state.rawValue, n.engine, n.model, n.version])
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

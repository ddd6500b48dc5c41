/// A small JSON reader that keeps every scalar as its raw text. Recordings need it because a
/// number must come back bit for bit: leaves are compared, stored and written as text, and
/// only `JSONDecoder` (which converts exactly) turns them into values.
enum RawJSON {
    indirect enum Value {
        case scalar(String)                       // raw: 12, -0.5e3, "text", true, null
        case array([Value])
        case object([(key: String, value: Value)])  // key raw, without its quotes
    }

    struct SyntaxError: Error { var offset: Int }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> Value { try parse(Array(bytes)[...]) }

    static func parse(_ bytes: ArraySlice<UInt8>) throws -> Value {
        var p = Parser(b: Array(bytes), i: 0)
        p.space()
        let v = try p.value(depth: 0)
        p.space()
        guard p.i == p.b.count else { throw SyntaxError(offset: p.i) }
        return v
    }

    struct Parser {
        let b: [UInt8]
        var i: Int

        mutating func space() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws -> Value {
            guard depth < 64, i < b.count else { throw SyntaxError(offset: i) }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var fields: [(String, Value)] = []
                space()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object([]) }
                while true {
                    space()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw SyntaxError(offset: i) }
                    let keyRaw = try stringRaw()
                    space()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw SyntaxError(offset: i) }
                    i += 1
                    space()
                    fields.append((String(keyRaw.dropFirst().dropLast()), try value(depth: depth + 1)))
                    space()
                    guard i < b.count else { throw SyntaxError(offset: i) }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
                    throw SyntaxError(offset: i)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                space()
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
                while true {
                    space()
                    items.append(try value(depth: depth + 1))
                    space()
                    guard i < b.count else { throw SyntaxError(offset: i) }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw SyntaxError(offset: i)
                }
            case UInt8(ascii: "\""):
                return .scalar(try stringRaw())
            default:
                let start = i
                while i < b.count, !(b[i] == UInt8(ascii: ",") || b[i] == UInt8(ascii: "]") || b[i] == UInt8(ascii: "}")
                                     || b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09) { i += 1 }
                let token = String(decoding: b[start..<i], as: UTF8.self)
                guard token == "true" || token == "false" || token == "null" || Double(token) != nil else { throw SyntaxError(offset: start) }
                return .scalar(token)
            }
        }

        /// A string token with its quotes, escapes left as written.
        mutating func stringRaw() throws -> String {
            let start = i
            i += 1
            while i < b.count {
                if b[i] == UInt8(ascii: "\\") { i += 2; continue }
                if b[i] == UInt8(ascii: "\"") { i += 1; return String(decoding: b[start..<i], as: UTF8.self) }
                if b[i] < 0x20 { throw SyntaxError(offset: i) }
                i += 1
            }
            throw SyntaxError(offset: start)
        }
    }
}

extension RawJSON.Value {
    subscript(key: String) -> RawJSON.Value? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.key == key }?.value
    }

    var items: [RawJSON.Value]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var raw: String? {
        if case .scalar(let s) = self { return s }
        return nil
    }
}

extension RawJSON.Value {
    /// The value as JSON text again (scalars exactly as they were written).
    var text: String {
        switch self {
        case .scalar(let raw): return raw
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.map { "\"\($0.key)\":" + $0.value.text }.joined(separator: ",") + "}"
        }
    }
}

import FleetCore

/// One JSON line of a trace, scanned straight from its bytes: the top-level numbers, strings
/// and lists of numbers a trace line holds, with nested values checked and passed over.
/// Foundation's JSONSerialization spent more than half of a Mooncake replay boxing each
/// `hash_ids` entry as an NSNumber; this keeps a trace's parse at a few percent of the run.
/// Strict as JSON is: a cut line, a trailing comma, a bare word is "not valid JSON"; a
/// boolean or a string is never a number.
struct JSONTraceObject {
    enum Value {
        case number(Double)
        case string(String)
        case numbers([Double])
        case other      // true, false, an object, a list of anything else
        case null
    }

    let values: [String: Value]
    let line: Int
    let decoder: TraceLineDecoder

    init(_ text: String, line: Int, decoder: TraceLineDecoder) throws {
        self.line = line; self.decoder = decoder
        var scanner = JSONLineScanner(Array(text.utf8))
        guard let values = scanner.topLevelObject() else {
            if scanner.notAnObject { throw decoder.fail(line, nil, "expected a JSON object") }
            throw decoder.fail(line, nil, "not valid JSON (a cut or damaged line?)")
        }
        self.values = values
    }

    func number(_ key: String, required: Bool) throws -> Double? {
        switch values[key] {
        case nil, .null?:
            if required { throw decoder.fail(line, key, "missing") }
            return nil
        case .number(let d)?:
            return d
        default:
            throw decoder.fail(line, key, "expected a number")
        }
    }

    func string(_ key: String) -> String? {
        if case .string(let s)? = values[key] { return s }
        return nil
    }

    func tokens(_ key: String) throws -> Int {
        try decoder.tokens(number(key, required: true)!, field: key, line: line)
    }

    /// Block hashes: whole numbers, at most one per block of the prompt.
    func hashes(_ key: String, promptTokens: Int, blockTokens: Int) throws -> [Int] {
        let list: [Double]
        switch values[key] {
        case nil, .null?: return []
        case .numbers(let l)?: list = l
        default: throw decoder.fail(line, key, "expected a list of whole-number block hashes")
        }
        let most = (promptTokens + blockTokens - 1) / blockTokens
        guard list.count <= most else {
            throw decoder.fail(line, key, "\(list.count) blocks of \(blockTokens) tokens are more than a \(promptTokens)-token prompt has (\(most))")
        }
        return try list.map { d in
            guard d == d.rounded(), abs(d) < 9e15 else { throw decoder.fail(line, key, "expected whole-number block hashes") }
            return Int(d)
        }
    }
}

/// A strict JSON scanner for one line holding one object.
struct JSONLineScanner {
    let bytes: [UInt8]
    var i = 0
    var notAnObject = false
    static let maxDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    mutating func topLevelObject() -> [String: JSONTraceObject.Value]? {
        skipSpace()
        guard i < bytes.count else { return nil }
        guard bytes[i] == UInt8(ascii: "{") else {
            // Valid JSON of another kind is "not an object"; anything else is damage.
            var probe = self
            if probe.skipValue(depth: 0) { probe.skipSpace(); notAnObject = probe.i == bytes.count }
            return nil
        }
        i += 1
        var out: [String: JSONTraceObject.Value] = [:]
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpace()
                guard let v = value() else { return nil }
                out[key] = v
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "}") else { return nil }
                i += 1
                break
            }
        }
        skipSpace()
        return i == bytes.count ? out : nil
    }

    mutating func value() -> JSONTraceObject.Value? {
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "["):
            // A list of numbers (block hashes), else any list, checked and passed over.
            let start = i
            i += 1
            var numbers: [Double] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .numbers([]) }
            while true {
                skipSpace()
                guard let d = number() else { i = start; return skipValue(depth: 0) ? .other : nil }
                numbers.append(d)
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "]") else { return nil }
                i += 1
                return .numbers(numbers)
            }
        case UInt8(ascii: "n"): return word("null") ? .null : nil
        case UInt8(ascii: "t"): return word("true") ? .other : nil
        case UInt8(ascii: "f"): return word("false") ? .other : nil
        case UInt8(ascii: "{"): return skipValue(depth: 0) ? .other : nil
        default: return number().map { .number($0) }
        }
    }

    mutating func word(_ w: String) -> Bool {
        let u = Array(w.utf8)
        guard i + u.count <= bytes.count, bytes[i..<(i + u.count)].elementsEqual(u) else { return false }
        i += u.count
        return true
    }

    /// A JSON number by its grammar; nil (position unchanged) if there is none here.
    mutating func number() -> Double? {
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        let intDigits = digits()
        guard intDigits > 0, !(intDigits > 1 && bytes[i - intDigits] == 0x30) else { i = start; return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { i = start; return nil }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { i = start; return nil }
        }
        guard let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)), d.isFinite else { i = start; return nil }
        return d
    }

    /// A string with its escapes; control characters are refused as JSON refuses them.
    mutating func string() -> String? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard b >= 0x20 else { return nil }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard i < bytes.count else { return nil }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
                i += 4
                // Surrogates and the rest become U+FFFD: an id is only ever displayed.
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: return nil
            }
        }
        return nil
    }

    /// Passes over any JSON value, checking its grammar, nested at most `maxDepth` deep.
    mutating func skipValue(depth: Int) -> Bool {
        guard depth < Self.maxDepth, i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "n"): return word("null")
        case UInt8(ascii: "t"): return word("true")
        case UInt8(ascii: "f"): return word("false")
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let object = bytes[i] == UInt8(ascii: "{")
            let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == close { i += 1; return true }
            while true {
                skipSpace()
                if object {
                    guard string() != nil else { return false }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                    skipSpace()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == close else { return false }
                i += 1
                return true
            }
        default: return number() != nil
        }
    }
}

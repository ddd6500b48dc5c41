import Foundation

/// A read position within one line of an exposition, with the lexing the formats need.
struct TextCursor {
    enum LexError: Error, CustomStringConvertible {
        case unterminatedLabels, unterminatedValue, badLabelName, expected(String), invalidUTF8, tooManyLabels

        var description: String {
            switch self {
            case .unterminatedLabels: return "label set not closed with '}'"
            case .unterminatedValue: return "label value not closed with '\"'"
            case .badLabelName: return "invalid label name"
            case .expected(let what): return "expected \(what)"
            case .invalidUTF8: return "invalid UTF-8 in a label value"
            case .tooManyLabels: return "more than \(TextCursor.maxLabels) labels; the sample is skipped"
            }
        }
    }

    let buffer: UnsafeRawBufferPointer
    var position: Int
    let end: Int

    var atEnd: Bool { position >= end }
    var peek: UInt8? { position < end ? buffer[position] : nil }

    mutating func advance() { position += 1 }
    mutating func skipToEnd() { position = end }

    @discardableResult
    mutating func skipSpaces() -> Int {
        let start = position
        while position < end, buffer[position] == 0x20 || buffer[position] == 0x09 { position += 1 }
        return position - start
    }

    static func isNameStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c == 0x3A
    }

    static func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, or nil (position unchanged).
    mutating func metricName(_ strings: inout StringInterner) -> String? {
        metricNameEntry(&strings)?.string
    }

    mutating func metricNameEntry(_ strings: inout StringInterner) -> StringInterner.Entry? {
        guard let c = peek, Self.isNameStart(c) else { return nil }
        let start = position
        while position < end, Self.isNameChar(buffer[position]) { position += 1 }
        return strings.entry(buffer, start, position)
    }

    /// A label name: like a metric name without colons.
    mutating func labelName(_ strings: inout StringInterner) -> StringInterner.Entry? {
        guard let c = peek, Self.isNameStart(c), c != 0x3A else { return nil }
        let start = position
        while position < end, Self.isNameChar(buffer[position]), buffer[position] != 0x3A { position += 1 }
        return strings.entry(buffer, start, position)
    }

    /// The value token (up to a space, tab or end) as a number, without making a String.
    mutating func number() -> Double? {
        let start = position
        while position < end, buffer[position] != 0x20, buffer[position] != 0x09 { position += 1 }
        return NumberParsing.double(buffer, start, position)
    }

    /// Up to the next space, tab or end.
    mutating func token() -> String? {
        let start = position
        while position < end, buffer[position] != 0x20, buffer[position] != 0x09 { position += 1 }
        return position > start ? string(start, position) : nil
    }

    mutating func word() -> String {
        let start = position
        while position < end, buffer[position] != 0x20, buffer[position] != 0x09 { position += 1 }
        return string(start, position)
    }

    /// The rest of the line after a single separating space (HELP text keeps its own spacing).
    mutating func restAfterOneSpace() -> String {
        if position < end, buffer[position] == 0x20 || buffer[position] == 0x09 { position += 1 }
        let s = string(position, end)
        position = end
        return s
    }

    /// `{name="value",...}` with an optional trailing comma; escapes \\ \" \n decoded,
    /// any other backslash kept literally as Prometheus does.
    mutating func labelSet() throws -> [Label] {
        var strings = StringInterner()
        var hash: UInt64 = 0
        return try labelSet(&strings, hash: &hash)
    }

    /// `hash` gets the label set's identity, independent of label order (a sum of per-label
    /// hashes), from the hashes the interner already computed.
    /// Labels one sample may have. Real series carry a handful (Prometheus' own `label_limit`
    /// is usually set in the tens); a hostile one with 100,000 would otherwise be read whole,
    /// every scrape, into as many strings.
    static let maxLabels = 128

    mutating func labelSet(_ strings: inout StringInterner, hash: inout UInt64) throws -> [Label] {
        advance()   // '{'
        var labels: [Label] = []
        labels.reserveCapacity(4)
        while true {
            guard labels.count <= Self.maxLabels else { throw LexError.tooManyLabels }
            skipSpaces()
            guard let c = peek else { throw LexError.unterminatedLabels }
            if c == UInt8(ascii: "}") { advance(); return labels }
            guard let nameEntry = labelName(&strings) else { throw LexError.badLabelName }
            let name = nameEntry.string
            skipSpaces()
            guard peek == UInt8(ascii: "=") else { throw LexError.expected("'=' after label \(name)") }
            advance()
            skipSpaces()
            guard peek == UInt8(ascii: "\"") else { throw LexError.expected("a quoted value for label \(name)") }
            advance()
            let value = try quotedValue(&strings)
            labels.append(Label(name, value.string))
            hash = hash &+ ((nameEntry.hash &* 0x9E37_79B9_7F4A_7C15) ^ value.hash)
            skipSpaces()
            guard let next = peek else { throw LexError.unterminatedLabels }
            if next == UInt8(ascii: ",") { advance(); continue }
            if next == UInt8(ascii: "}") { advance(); return labels }
            throw LexError.expected("',' or '}' after label \(name)")
        }
    }

    /// After the opening quote; consumes the closing one. A value without escapes is
    /// interned straight from the payload's bytes.
    mutating func quotedValue(_ strings: inout StringInterner) throws -> StringInterner.Entry {
        var scan = position
        while scan < end, buffer[scan] != UInt8(ascii: "\""), buffer[scan] != UInt8(ascii: "\\") { scan += 1 }
        if scan < end, buffer[scan] == UInt8(ascii: "\"") {
            guard let s = strings.entry(buffer, position, scan) else { throw LexError.invalidUTF8 }
            position = scan + 1
            return s
        }
        var bytes: [UInt8] = []
        while position < end {
            let c = buffer[position]
            if c == UInt8(ascii: "\"") {
                position += 1
                guard let s = String(validating: bytes, as: UTF8.self) else { throw LexError.invalidUTF8 }
                return StringInterner.Entry(string: s, hash: bytes.withUnsafeBytes { StringInterner.hash($0, 0, $0.count) })
            }
            if c == UInt8(ascii: "\\"), position + 1 < end {
                let e = buffer[position + 1]
                switch e {
                case UInt8(ascii: "\\"): bytes.append(e)
                case UInt8(ascii: "\""): bytes.append(e)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                default: bytes.append(c); bytes.append(e)
                }
                position += 2
                continue
            }
            bytes.append(c)
            position += 1
        }
        throw LexError.unterminatedValue
    }

    /// `{labels} value [timestamp]` after an exemplar's `#`.
    mutating func exemplar() throws -> Exemplar {
        guard peek == UInt8(ascii: "{") else { throw LexError.expected("'{' to open the exemplar's labels") }
        let labels = try labelSet()
        skipSpaces()
        guard let v = token(), let value = NumberParsing.double(v) else { throw LexError.expected("an exemplar value") }
        skipSpaces()
        var ts: Double?
        if let t = token() {
            guard let s = NumberParsing.double(t) else { throw LexError.expected("an exemplar timestamp") }
            ts = s
        }
        return Exemplar(labels: labels, value: value, timestamp: ts)
    }

    func string(_ a: Int, _ b: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: buffer[a..<b]), as: UTF8.self)
    }

    /// HELP text escapes: `\\` and `\n` (and `\"` where quotes are escaped).
    static func unescape(_ s: String, quotes: Bool) -> String {
        var copy = s
        guard copy.withUTF8({ $0.count > 0 && memchr($0.baseAddress!, 0x5C, $0.count) != nil }) else { return s }
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            guard c == "\\" else { out.append(c); continue }
            guard let e = it.next() else { out.append(c); break }
            switch e {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            case "\"" where quotes: out.append("\"")
            default: out.append(c); out.append(e)
            }
        }
        return out
    }
}

/// Float syntax as Prometheus accepts it (Go's ParseFloat): decimal with optional exponent,
/// NaN and Inf in any case with an optional sign. No hex floats, no digit separators, no
/// trailing units; a literal that overflows is an error, not infinity.
package enum NumberParsing {
    /// The same grammar on bytes `start..<end`, converting with strtod from a stack buffer.
    package static func double(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double? {
        let n = end - start
        guard n > 0, n < 64 else { return n >= 64 ? doubleSlow(String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self)) : nil }
        var i = start
        if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        // NaN and Inf spellings: any case, so compare letters folded to lower case.
        if i < end, b[i] | 0x20 == UInt8(ascii: "n") || b[i] | 0x20 == UInt8(ascii: "i") {
            return doubleSlow(String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self))
        }
        var digits = 0
        // Digits gathered into an integer mantissa for the exact fast path (Clinger): a
        // mantissa below 2^53 times a power of ten up to 10^22 rounds once, correctly.
        var mantissa: UInt64 = 0
        var significant = 0
        var scale = 0
        var truncated = false
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func take(_ c: UInt8) {
            if mantissa == 0 && c == 0x30 { return }
            if significant < 19 { mantissa = mantissa &* 10 &+ UInt64(c &- 0x30); significant += 1 } else { scale += 1; truncated = true }
        }
        while i < end, isDigit(b[i]) { take(b[i]); digits += 1; i += 1 }
        if i < end, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, isDigit(b[i]) {
                take(b[i])
                scale -= 1
                digits += 1; i += 1
            }
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < end, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var negative = false
            if i < end, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { negative = b[i] == UInt8(ascii: "-"); i += 1 }
            var expDigits = 0
            while i < end, isDigit(b[i]) { if exponent < 100_000 { exponent = exponent * 10 + Int(b[i] - 0x30) }; expDigits += 1; i += 1 }
            guard expDigits > 0 else { return nil }
            if negative { exponent = -exponent }
        }
        guard i == end else { return nil }
        let power = scale + exponent
        if mantissa == 0 {
            return b[start] == UInt8(ascii: "-") ? -0.0 : 0.0
        }
        if !truncated, mantissa < (1 << 53), abs(power) <= 22 {
            var d = Double(mantissa)
            d = power < 0 ? d / powersOfTen[-power] : d * powersOfTen[power]
            return b[start] == UInt8(ascii: "-") ? -d : d
        }
        // Swift's conversion ignores the C locale (strtod would read "0.73" as 0 under de_DE
        // once the console calls setlocale); a number this short is a small, inline String.
        guard let d = Double(String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self)), d.isFinite else {
            return nil
        }
        return d
    }

    private static let powersOfTen: [Double] = (0...22).map { p in (0..<p).reduce(1.0) { r, _ in r * 10 } }

    /// A label value or a token as a number (`le="0.25"`), through the byte path.
    package static func double(_ s: String) -> Double? {
        var copy = s
        return copy.withUTF8 { $0.isEmpty ? nil : double(UnsafeRawBufferPointer($0), 0, $0.count) }
    }

    static func doubleSlow(_ s: String) -> Double? {
        switch s.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        var u = Substring(s).utf8[...]
        if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
        var digits = 0
        var i = u.startIndex
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while i < u.endIndex, isDigit(u[i]) { digits += 1; i = u.index(after: i) }
        if i < u.endIndex, u[i] == UInt8(ascii: ".") {
            i = u.index(after: i)
            while i < u.endIndex, isDigit(u[i]) { digits += 1; i = u.index(after: i) }
        }
        guard digits > 0 else { return nil }
        if i < u.endIndex, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i = u.index(after: i)
            if i < u.endIndex, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i = u.index(after: i) }
            var expDigits = 0
            while i < u.endIndex, isDigit(u[i]) { expDigits += 1; i = u.index(after: i) }
            guard expDigits > 0 else { return nil }
        }
        guard i == u.endIndex, let d = Double(s), d.isFinite else { return nil }
        return d
    }
}

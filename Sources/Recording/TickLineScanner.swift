/// Reads a tick line's `"d"` and `"a"` arrays straight from the bytes: a seek applies up to a
/// keyframe interval of ticks, and building a JSON tree for each was most of its time.
/// Anything unexpected gives nil, and the caller falls back to the general parser.
struct TickLineScanner {
    struct Tick {
        var leaves: [(index: Int, raw: String)] = []
        var appends: [(series: Int, raws: [Substring])] = []
    }

    static func scan(_ buf: UnsafeRawBufferPointer) -> Tick? {
        do {
            var p = Cursor(b: buf, i: 0)
            var tick = Tick()
            guard p.find(#""d":["#) else { return nil }
            if !p.take("]") {
                while true {
                    guard let idx = p.int(), p.take(","), let raw = p.rawToken() else { return nil }
                    tick.leaves.append((idx, raw))
                    if p.take("]") { break }
                    guard p.take(",") else { return nil }
                }
            }
            guard p.take(#","a":["#) else { return nil }
            if !p.take("]") {
                while true {
                    guard p.take("["), let idx = p.int() else { return nil }
                    var raws: [Substring] = []
                    while p.take(",") {
                        guard let raw = p.rawToken() else { return nil }
                        raws.append(Substring(raw))
                    }
                    guard p.take("]") else { return nil }
                    tick.appends.append((idx, raws))
                    if p.take("]") { break }
                    guard p.take(",") else { return nil }
                }
            }
            return tick
        }
    }

    struct Cursor {
        let b: UnsafeRawBufferPointer
        var i: Int

        mutating func take(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            let p = s.utf8Start
            for k in 0..<n where b[i + k] != p[k] { return false }
            i += n
            return true
        }

        mutating func find(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            let p = s.utf8Start
            var j = i
            while j + n <= b.count {
                var hit = true
                for k in 0..<n where b[j + k] != p[k] { hit = false; break }
                if hit { i = j + n; return true }
                j += 1
            }
            return false
        }

        mutating func int() -> Int? {
            var v = 0, digits = 0
            // At most 9 digits, checked before each step: a longer run would overflow `v`.
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                guard digits < 9 else { return nil }
                v = v * 10 + Int(b[i] - 0x30); i += 1; digits += 1
            }
            return digits > 0 ? v : nil
        }

        /// A scalar as written: a string with its quotes (escapes untouched), or a bare token.
        mutating func rawToken() -> String? {
            let start = i
            if i < b.count, b[i] == UInt8(ascii: "\"") {
                i += 1
                while i < b.count {
                    if b[i] == UInt8(ascii: "\\") { i += 2; continue }
                    if b[i] == UInt8(ascii: "\"") { i += 1; return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self) }
                    i += 1
                }
                return nil
            }
            while i < b.count, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "]") { i += 1 }
            return i > start ? String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self) : nil
        }
    }
}

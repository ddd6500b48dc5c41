/// Hands out one `String` per distinct byte sequence seen in a payload: metric names, label
/// names and most label values repeat on every line, and making a new String each time is
/// most of a naive parser's cost.
struct StringInterner {
    private var table: [UInt64: [String]] = [:]

    static func hash(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in start..<end { h = (h ^ UInt64(b[i])) &* 0x100_0000_01b3 }
        return h
    }

    /// The string for bytes `start..<end`, or nil if they are not UTF-8.
    mutating func string(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String? {
        let h = Self.hash(b, start, end)
        let slice = UnsafeRawBufferPointer(rebasing: b[start..<end])
        if let candidates = table[h] {
            for c in candidates where c.utf8.elementsEqual(slice) { return c }
        }
        guard let s = String(validating: slice, as: UTF8.self) else { return nil }
        table[h, default: []].append(s)
        return s
    }
}

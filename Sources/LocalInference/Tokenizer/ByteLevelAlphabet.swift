/// GPT-2's reversible map between bytes and printable Unicode scalars: byte-level BPE
/// vocabularies spell every byte as a visible character (a space is "Ġ", U+0120), so that
/// merges never see raw control bytes or whitespace.
enum ByteLevelAlphabet {
    /// byte -> scalar
    static let scalars: [Unicode.Scalar] = {
        var printable = Set<Int>()
        for r in [33...126, 161...172, 174...255] { for b in r { printable.insert(b) } }
        var out = [Unicode.Scalar](repeating: " ", count: 256)
        var next = 256
        for b in 0..<256 {
            if printable.contains(b) {
                out[b] = Unicode.Scalar(UInt32(b))!
            } else {
                out[b] = Unicode.Scalar(UInt32(next))!
                next += 1
            }
        }
        return out
    }()

    /// scalar value -> byte, for scalars below 324 (the highest the map uses); -1 elsewhere.
    static let bytes: [Int16] = {
        var out = [Int16](repeating: -1, count: 324)
        for (b, s) in scalars.enumerated() { out[Int(s.value)] = Int16(b) }
        return out
    }()

    static func encode<S: Sequence>(_ utf8: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in utf8 { s.append(scalars[Int(b)]) }
        return String(s)
    }

    /// The bytes a vocabulary string spells, or nil when it holds a scalar outside the map.
    static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for s in token.unicodeScalars {
            guard s.value < 324, bytes[Int(s.value)] >= 0 else { return nil }
            out.append(UInt8(bytes[Int(s.value)]))
        }
        return out
    }
}

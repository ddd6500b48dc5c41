import Foundation

/// Hands out one `String` per distinct byte sequence seen in a payload: metric names, label
/// names and most label values repeat on every line, and making a new String each time is
/// most of a naive parser's cost. Open addressing over a byte arena, so a hit costs one hash
/// of the bytes and one `memcmp`, with no allocation.
struct StringInterner {
    /// What a lookup gives: the string and the hash of its bytes (reused for series identity).
    struct Entry {
        var string: String
        var hash: UInt64
        /// Dense, from 0 in order of first sight; -1 for strings not kept (escaped values).
        var id: Int = -1
    }

    private var entries: [Entry] = []
    private var offsets: [Int] = []
    private var arena: [UInt8] = []
    /// Index into `entries`, or -1 for an empty slot. Power-of-two size, at most half full.
    private var slots = [Int32](repeating: -1, count: 256)

    init() {
        entries.reserveCapacity(64)
        offsets.reserveCapacity(65)
        arena.reserveCapacity(2048)
    }

    /// 8 bytes per step (a multiply and a rotate) rather than FNV's one: label values such as
    /// model names are 30-60 bytes and are hashed on every line.
    static func hash(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(end - start)
        var i = start
        while i + 8 <= end {
            let w = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h = (h << 27) | (h >> 37)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < end { tail |= UInt64(b[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        return h
    }

    /// The entry for a string already seen, without adding it.
    func find(_ string: String) -> Entry? {
        var copy = string
        return copy.withUTF8 { u in
            let raw = UnsafeRawBufferPointer(u)
            guard raw.count > 0, let slot = slot(raw, 0, raw.count, Self.hash(raw, 0, raw.count)).found else { return nil }
            return entries[slot]
        }
    }

    /// Where bytes with this hash are (`found`, an entry index) or would go (`free`, a slot).
    private func slot(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ h: UInt64) -> (found: Int?, free: Int) {
        let length = end - start
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[slot])
            if e < 0 { return (nil, slot) }
            if entries[e].hash == h, offsets[e + 1] - offsets[e] == length,
               arena.withUnsafeBytes({ memcmp($0.baseAddress! + offsets[e], b.baseAddress! + start, length) }) == 0 {
                return (e, slot)
            }
            slot = (slot + 1) & mask
        }
    }

    mutating func entry(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Entry? {
        let h = Self.hash(b, start, end)
        let (found, slot) = slot(b, start, end, h)
        if let e = found { return entries[e] }
        let bytes = UnsafeRawBufferPointer(rebasing: b[start..<end])
        // Names and most values are ASCII, which needs no validation pass.
        let s: String
        if bytes.allSatisfy({ $0 < 0x80 }) {
            s = String(decoding: bytes, as: UTF8.self)
        } else {
            guard let valid = String(validating: bytes, as: UTF8.self) else { return nil }
            s = valid
        }
        if offsets.isEmpty { offsets.append(0) }
        arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[start..<end]))
        offsets.append(arena.count)
        entries.append(Entry(string: s, hash: h, id: entries.count))
        slots[slot] = Int32(entries.count - 1)
        if entries.count * 2 > slots.count { grow() }
        return entries[entries.count - 1]
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (i, e) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: e.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }
}

/// A set of 64-bit hashes (already well mixed, so used as their own slot), for spotting
/// duplicate series without Swift's per-insert SipHash.
struct HashSet64 {
    private var slots = [UInt64](repeating: 0, count: 1024)
    private var count = 0

    /// False if the key was already there. Zero is remapped: it marks empty slots.
    mutating func insert(_ key: UInt64) -> Bool {
        let k = key == 0 ? 1 : key
        var mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: k) & mask
        while slots[slot] != 0 {
            if slots[slot] == k { return false }
            slot = (slot + 1) & mask
        }
        slots[slot] = k
        count += 1
        if count * 2 > slots.count {
            let old = slots
            slots = [UInt64](repeating: 0, count: old.count * 2)
            mask = slots.count - 1
            for o in old where o != 0 {
                var s = Int(truncatingIfNeeded: o) & mask
                while slots[s] != 0 { s = (s + 1) & mask }
                slots[s] = o
            }
        }
        return true
    }
}

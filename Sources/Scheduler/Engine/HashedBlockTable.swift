/// The prefix cache's hashed blocks by hash: an open-addressing table with linear probing and
/// backward-shift deletion. A replay of Mooncake's trace looks up every request's leading
/// hashes on every node the router considers; with `Dictionary`'s seeded SipHash those
/// lookups were a quarter of the run. Trace hashes are arbitrary integers, so a multiplicative
/// mix spreads them; nothing adversarial reaches this table (a trace's ids are data, and a
/// pathological file only makes its own replay slower).
struct HashedBlockTable {
    struct Entry {
        var references: Int
        var stamp: Int
    }

    private var keys: [Int]
    private var values: [Entry]
    private var used: [Bool]
    private(set) var count = 0
    private var mask: Int

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: Entry(references: 0, stamp: 0), count: size)
        used = Array(repeating: false, count: size)
        mask = size - 1
    }

    @inline(__always) private func home(_ key: Int) -> Int {
        var h = UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 32
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The slot holding `key`, or nil.
    @inline(__always) private func slot(_ key: Int) -> Int? {
        var i = home(key)
        while used[i] {
            if keys[i] == key { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    func contains(_ key: Int) -> Bool { slot(key) != nil }

    subscript(key: Int) -> Entry? {
        get { slot(key).map { values[$0] } }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: Int, _ value: Entry) {
        if let i = slot(key) { values[i] = value; return }
        if (count + 1) * 4 > keys.count * 3 { grow() }
        var i = home(key)
        while used[i] { i = (i + 1) & mask }
        used[i] = true; keys[i] = key; values[i] = value
        count += 1
    }

    private mutating func remove(_ key: Int) {
        guard var hole = slot(key) else { return }
        used[hole] = false
        count -= 1
        // Backward shift: pull later entries of the run into the hole while their home allows.
        var i = (hole + 1) & mask
        while used[i] {
            let h = home(keys[i])
            // Moves if its home is not cyclically within (hole, i].
            let between = hole <= i ? (h > hole && h <= i) : (h > hole || h <= i)
            if !between {
                keys[hole] = keys[i]; values[hole] = values[i]; used[hole] = true
                used[i] = false
                hole = i
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldUsed = used
        let size = keys.count * 2
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: Entry(references: 0, stamp: 0), count: size)
        used = Array(repeating: false, count: size)
        mask = size - 1
        count = 0
        for i in oldKeys.indices where oldUsed[i] { insert(oldKeys[i], oldValues[i]) }
    }

    mutating func removeAll() { self = HashedBlockTable() }
}

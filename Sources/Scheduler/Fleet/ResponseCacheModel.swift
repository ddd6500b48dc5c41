import FleetCore
import DequeModule

/// A response cache (Redis in front of a pool) that stores answers by key: requests ask for
/// keys with Zipf popularity, an answer is stored when the pool computes it, stays for `ttl`
/// seconds, and the least recently used one goes when `capacity` is reached. Its hit rate is
/// not set but emerges, so a flushed cache starts cold and warms up.
final class ResponseCacheModel {
    private struct Entry {
        var storedAt: Double
        var stamp: Int
    }

    let spec: KeyedCacheSpec
    private let zipf: ZipfSampler
    private var entries: [Int: Entry] = [:]
    private var recency = Deque<(key: Int, stamp: Int)>()
    private var clock = 0

    init(spec: KeyedCacheSpec) {
        self.spec = spec
        zipf = ZipfSampler(n: spec.keys, exponent: spec.exponent)
        entries.reserveCapacity(min(spec.capacity, 1 << 20))
    }

    /// A copy with the same stored answers, for a what-if fork.
    init(copying other: ResponseCacheModel) {
        spec = other.spec
        zipf = other.zipf
        entries = other.entries
        recency = other.recency
        clock = other.clock
    }

    var count: Int { entries.count }

    /// The key a new request asks for.
    func key(_ rng: inout SeededRandom) -> Int { zipf.sample(&rng) }

    /// A fresh stored answer for `key` at `now`: a hit, which also makes it the most recent.
    func lookup(_ key: Int, now: Double) -> Bool {
        guard var e = entries[key] else { return false }
        guard now - e.storedAt <= spec.ttl else {
            entries[key] = nil
            return false
        }
        clock += 1
        e.stamp = clock
        entries[key] = e
        recency.append((key, clock))
        compactIfSparse()
        return true
    }

    /// The pool computed the answer for `key`: store it, evicting the least recent if full.
    func store(_ key: Int, now: Double) {
        clock += 1
        entries[key] = Entry(storedAt: now, stamp: clock)
        recency.append((key, clock))
        while entries.count > spec.capacity, let (k, stamp) = recency.popFirst() {
            if entries[k]?.stamp == stamp { entries[k] = nil }
        }
        compactIfSparse()
    }

    func flush() {
        entries.removeAll(keepingCapacity: true)
        recency.removeAll()
    }

    /// Hits re-append their key; stale positions are dropped once they outnumber live ones.
    private func compactIfSparse() {
        guard recency.count > 2 * entries.count + 4096 else { return }
        recency = Deque(recency.filter { entries[$0.key]?.stamp == $0.stamp })
    }
}

import DequeModule

/// vLLM's paged KV cache, as far as capacity and reuse go: a fixed number of blocks of
/// `blockSize` tokens; a request owns the blocks its tokens fill; full blocks of a shared
/// prefix (a system prompt, an earlier turn of a conversation) are kept under their content
/// key after use, reused by any request that starts with the same content, and evicted least
/// recently used first when free blocks run out.
///
/// Blocks are counted, not listed: the simulator needs how many are free and how many a
/// request finds cached, not which. A prefix's blocks form one chain (block i's hash covers
/// blocks 0...i), so a lookup hits the chain's first n blocks and eviction trims its tail. A
/// block is pinned only while a running request uses it: a chain's tail beyond what its
/// requests use is evictable even while they run, as vLLM's per-block reference counts allow.
struct KVCacheBlockManager {
    struct PrefixChain {
        var blocks = 0
        var references = 0
        var stamp = 0
        /// Running requests by how many of the chain's first blocks each uses.
        var uses: [Int: Int] = [:]

        var used: Int { uses.keys.max() ?? 0 }
        var evictable: Int { references == 0 ? blocks : blocks - min(blocks, used) }
    }

    let totalBlocks: Int
    let blockSize: Int
    let prefixCaching: Bool
    /// Blocks requests hold privately.
    private(set) var ownedBlocks = 0
    /// Blocks holding cached prefix content, referenced or not.
    private(set) var cachedBlocks = 0
    /// Cached blocks no running request uses: free to evict.
    private(set) var evictableBlocks = 0
    private var chains: [Int: PrefixChain] = [:]
    private var leastRecent = Deque<(key: Int, stamp: Int)>()
    private var clock = 0

    /// A block of a trace's hashed prompt (Mooncake's `hash_ids`): its hash covers every block
    /// before it, so a request's hit is the run of its leading hashes that are cached, wherever
    /// the requests that computed them branched off. One hashed block is `group` engine blocks
    /// (512 tokens over 16-token blocks: 32).
    private var hashed = HashedBlockTable()
    private var hashedLeastRecent = Deque<(hash: Int, stamp: Int)>()

    init(totalBlocks: Int, blockSize: Int, prefixCaching: Bool) {
        self.totalBlocks = totalBlocks; self.blockSize = blockSize; self.prefixCaching = prefixCaching
    }

    var freeBlocks: Int { totalBlocks - ownedBlocks - cachedBlocks }
    /// What an allocation can get: the free blocks and the evictable cached ones.
    var allocatable: Int { freeBlocks + evictableBlocks }
    /// Blocks in use as vLLM reports them: evictable cached blocks count as free.
    var usedBlocks: Int { ownedBlocks + cachedBlocks - evictableBlocks }

    func blocks(forTokens tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }

    /// Cached blocks of `key`'s chain, zero when caching is off or the key is new.
    func cachedBlocks(of key: Int) -> Int {
        guard prefixCaching, key != 0 else { return 0 }
        return chains[key]?.blocks ?? 0
    }

    /// What an allocation could get if a request began to use `using` blocks of `key`'s chain:
    /// those would no longer be evictable.
    func allocatable(whileUsing key: Int, blocks using: Int) -> Int {
        guard prefixCaching, key != 0, let chain = chains[key] else { return allocatable }
        let pinnedAfter = min(chain.blocks, max(chain.references > 0 ? chain.used : 0, using))
        return allocatable - chain.evictable + (chain.blocks - pinnedAfter)
    }

    /// A running request now uses the first `using` blocks of `key`'s chain.
    mutating func reference(_ key: Int, using: Int) {
        guard prefixCaching, key != 0 else { return }
        modify(key) { chain in
            chain.references += 1
            chain.uses[using, default: 0] += 1
        }
    }

    /// The request is gone: at no references the whole chain becomes evictable, most recent last.
    mutating func release(_ key: Int, using: Int) {
        guard prefixCaching, key != 0, chains[key] != nil else { return }
        var unreferenced = false
        modify(key) { chain in
            chain.references -= 1
            if let n = chain.uses[using] { chain.uses[using] = n > 1 ? n - 1 : nil }
            unreferenced = chain.references == 0
        }
        if unreferenced, var chain = chains[key] {
            clock += 1
            chain.stamp = clock
            chains[key] = chain
            leastRecent.append((key, clock))
        }
    }

    /// Takes `count` blocks for a request, evicting cached ones if the free ones do not do.
    mutating func allocate(_ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard count <= allocatable else { return false }
        let short = count - freeBlocks
        if short > 0 { evict(short) }
        ownedBlocks += count
        return true
    }

    mutating func free(_ count: Int) {
        ownedBlocks -= count
        precondition(ownedBlocks >= 0, "KV blocks freed twice")
    }

    /// A request using `using` blocks of `key`'s chain finished computing `blocks` full blocks
    /// of its content: those the chain lacks move from the request to the cache, and the
    /// request now uses them too. Returns how many moved.
    mutating func promote(_ key: Int, blocks: Int, fromOwned owned: Int, using: Int) -> Int {
        guard prefixCaching, key != 0, let chain = chains[key], chain.references > 0 else { return 0 }
        let moved = min(max(0, blocks - chain.blocks), owned)
        guard moved > 0 else { return 0 }
        modify(key) { chain in
            chain.blocks += moved
            if let n = chain.uses[using] { chain.uses[using] = n > 1 ? n - 1 : nil }
            chain.uses[using + moved, default: 0] += 1
        }
        ownedBlocks -= moved
        cachedBlocks += moved
        return moved
    }

    /// Applies a change to a chain, keeping the evictable total in step.
    private mutating func modify(_ key: Int, _ change: (inout PrefixChain) -> Void) {
        let before = chains[key]?.evictable ?? 0
        // In place: a copy of the chain would copy its `uses` too, at every admission.
        change(&chains[key, default: PrefixChain()])
        let chain = chains[key]!
        evictableBlocks += chain.evictable - before
        if chain.blocks == 0 && chain.references == 0 { chains[key] = nil }
    }

    private mutating func evict(_ count: Int) {
        var needed = count
        if hashGroup > 0 { needed -= evictHashed(needed, group: hashGroup) }
        // Least recently used unreferenced chains first, trimmed from the tail.
        while needed > 0, let (key, stamp) = leastRecent.first {
            guard let chain = chains[key], chain.references == 0, chain.stamp == stamp else {
                leastRecent.removeFirst()
                continue
            }
            let take = min(needed, chain.blocks)
            trim(key, by: take)
            needed -= take
            if chains[key] == nil { leastRecent.removeFirst() }
        }
        // Then the unused tails of chains in use.
        if needed > 0 {
            for (key, chain) in chains where chain.references > 0 && chain.evictable > 0 {
                let take = min(needed, chain.evictable)
                trim(key, by: take)
                needed -= take
                if needed == 0 { break }
            }
        }
        precondition(needed <= 0, "evicted fewer blocks than were evictable")
    }

    private mutating func trim(_ key: Int, by n: Int) {
        modify(key) { $0.blocks -= n }
        cachedBlocks -= n
    }

    // MARK: hashed prefixes

    /// How many of `hashes`' leading blocks are cached, at most `limit`.
    func cachedLeading(_ hashes: [Int], limit: Int) -> Int {
        guard prefixCaching else { return 0 }
        var n = 0
        while n < min(limit, hashes.count), hashed.contains(hashes[n]) { n += 1 }
        return n
    }

    /// What an allocation could get if a request began to use the first `count` of `hashes`
    /// (each `group` engine blocks): those unreferenced now would no longer be evictable.
    func allocatable(whileUsing hashes: [Int], count: Int, group: Int) -> Int {
        var pinned = 0
        for h in hashes.prefix(count) where hashed[h]?.references == 0 { pinned += group }
        return allocatable - pinned
    }

    mutating func reference(_ hashes: [Int], count: Int, group: Int) {
        for h in hashes.prefix(count) {
            if hashed[h]!.references == 0 { evictableBlocks -= group }
            hashed[h]!.references += 1
        }
    }

    /// The request is gone: blocks nobody uses become evictable, the deepest first, since a
    /// block is only worth keeping while the blocks before it are.
    mutating func release(_ hashes: [Int], count: Int, group: Int) {
        for h in hashes.prefix(count).reversed() {
            guard var b = hashed[h] else { continue }
            b.references -= 1
            if b.references == 0 {
                clock += 1
                b.stamp = clock
                evictableBlocks += group
                hashedLeastRecent.append((h, clock))
            }
            hashed[h] = b
        }
    }

    /// A request using the first `used` of `hashes` has computed `computedBlocks` hashed
    /// blocks: the next ones nobody has cached move from the request to the cache (it keeps
    /// using them). Stops at one another request cached meanwhile: the request keeps its own
    /// copy from there. Returns how many hashed blocks it now uses.
    mutating func promote(_ hashes: [Int], used: Int, computedBlocks: Int, group: Int) -> Int {
        guard prefixCaching else { return used }
        var n = used
        while n < min(computedBlocks, hashes.count), !hashed.contains(hashes[n]) {
            hashed[hashes[n]] = .init(references: 1, stamp: 0)
            ownedBlocks -= group
            cachedBlocks += group
            n += 1
        }
        return n
    }

    /// Evicts whole hashed blocks, least recently released first; returns engine blocks freed.
    private mutating func evictHashed(_ count: Int, group: Int) -> Int {
        var freed = 0
        while freed < count, let (h, stamp) = hashedLeastRecent.popFirst() {
            guard let b = hashed[h], b.references == 0, b.stamp == stamp else { continue }
            hashed[h] = nil
            cachedBlocks -= group
            evictableBlocks -= group
            freed += group
        }
        return freed
    }

    /// Engine blocks per hashed block, as the node set it (0 until a hashed request came).
    var hashGroup = 0

    /// Forgets everything (the node lost its GPUs).
    mutating func reset() {
        ownedBlocks = 0; cachedBlocks = 0; evictableBlocks = 0
        chains.removeAll(); leastRecent.removeAll()
        hashed.removeAll(); hashedLeastRecent.removeAll()
    }
}

import DequeModule

/// vLLM's paged KV cache, as far as capacity and reuse go: a fixed number of blocks of
/// `blockSize` tokens; a request owns the blocks its tokens fill; full blocks of a shared
/// prefix (a system prompt, an earlier turn of a conversation) are kept under their content
/// key after use, reused by any request that starts with the same content, and evicted least
/// recently used first when free blocks run out.
///
/// Blocks are counted, not listed: the simulator needs how many are free and how many a
/// request finds cached, not which. A prefix's blocks form one chain (block i's hash covers
/// blocks 0...i), so a lookup hits the chain's first n blocks and eviction trims its tail.
struct KVCacheBlockManager {
    struct PrefixChain {
        var blocks: Int
        var references: Int
        var stamp: Int
    }

    let totalBlocks: Int
    let blockSize: Int
    let prefixCaching: Bool
    /// Blocks requests hold privately.
    private(set) var ownedBlocks = 0
    /// Blocks holding cached prefix content, referenced or not.
    private(set) var cachedBlocks = 0
    /// Cached blocks no running request references: free to evict.
    private(set) var evictableBlocks = 0
    private var chains: [Int: PrefixChain] = [:]
    private var leastRecent = Deque<(key: Int, stamp: Int)>()
    private var clock = 0
    private(set) var evictions = 0

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

    /// A running request now references `key`'s chain: its blocks cannot be evicted.
    mutating func reference(_ key: Int) {
        guard prefixCaching, key != 0 else { return }
        var chain = chains[key] ?? PrefixChain(blocks: 0, references: 0, stamp: 0)
        if chain.references == 0 { evictableBlocks -= chain.blocks }
        chain.references += 1
        chains[key] = chain
    }

    /// The request is gone: at no references the chain becomes evictable, most recent last.
    mutating func release(_ key: Int) {
        guard prefixCaching, key != 0, var chain = chains[key] else { return }
        chain.references -= 1
        if chain.references == 0 {
            if chain.blocks == 0 {
                chains[key] = nil
                return
            }
            evictableBlocks += chain.blocks
            clock += 1
            chain.stamp = clock
            leastRecent.append((key, clock))
        }
        chains[key] = chain
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

    /// A request finished computing `blocks` full blocks of `key`'s content: those of them the
    /// chain lacks move from the request to the cache. Returns how many moved.
    mutating func promote(_ key: Int, blocks: Int, fromOwned owned: Int) -> Int {
        guard prefixCaching, key != 0, var chain = chains[key], chain.references > 0 else { return 0 }
        let moved = min(max(0, blocks - chain.blocks), owned)
        guard moved > 0 else { return 0 }
        chain.blocks += moved
        chains[key] = chain
        ownedBlocks -= moved
        cachedBlocks += moved
        return moved
    }

    private mutating func evict(_ count: Int) {
        var needed = count
        while needed > 0, let (key, stamp) = leastRecent.first {
            guard var chain = chains[key], chain.references == 0, chain.stamp == stamp else {
                leastRecent.removeFirst()
                continue
            }
            let take = min(needed, chain.blocks)
            chain.blocks -= take
            cachedBlocks -= take
            evictableBlocks -= take
            evictions += take
            needed -= take
            if chain.blocks == 0 {
                chains[key] = nil
                leastRecent.removeFirst()
            } else {
                chains[key] = chain
            }
        }
        precondition(needed == 0, "evicted fewer blocks than were evictable")
    }

    /// Forgets everything (the node lost its GPUs).
    mutating func reset() {
        ownedBlocks = 0; cachedBlocks = 0; evictableBlocks = 0
        chains.removeAll(); leastRecent.removeAll()
    }
}

/// What a router sees of a node: whether it takes traffic, how busy it is, and a hash of its
/// name (for rendezvous hashing).
protocol RoutableNode {
    var takesTraffic: Bool { get }
    var load: Int { get }
    var queued: Int { get }
    var idHash: UInt64 { get }
    /// How many of these leading prompt-block hashes the node has cached.
    func cachedLeadingBlocks(_ hashes: [Int]) -> Int
}

/// Which node of a pool a request goes to, by the pool's policy: a pure function of the
/// nodes' loads. Whether the chosen node can take it (queue room, KV capacity) is the
/// simulator's to judge.
enum NodeRouter {
    /// How many requests more than twice the least loaded node's a conversation's home node
    /// may carry before affinity gives way to balance.
    static let affinitySlack = 8

    /// The node for a request among `candidates` (indices into `nodes`), or nil when none
    /// takes traffic. `start` is the pool's turn: least-loaded ties go to the next in turn,
    /// round-robin takes it. `conversation` is the key a `prefix_affinity` pool pins.
    static func pick<Node: RoutableNode>(_ policy: RouterPolicy, nodes: [Node], candidates: [Int], start: Int,
                                         conversation: Int?, hashes: [Int] = [], maxQueue: Int) -> Int? {
        // Least loaded (the others fall back to it), ties to the next in turn.
        var best: Int?
        var bestLoad = Int.max
        var firstLive: Int?
        for k in 0..<candidates.count {
            let n = candidates[(start + k) % candidates.count]
            let node = nodes[n]
            guard node.takesTraffic else { continue }
            if firstLive == nil { firstLive = n }
            if node.load < bestLoad { best = n; bestLoad = node.load }
        }
        let leastLoaded = best
        switch policy {
        case .leastLoaded:
            break
        case .roundRobin:
            best = firstLive
        case .prefixAffinity where !hashes.isEmpty:
            // A trace that hashes its prompts by block: the node holding the longest cached
            // prefix, as llm-d's precise prefix-cache scorer picks, within the same slack.
            var longest = 0
            for n in candidates where nodes[n].takesTraffic && nodes[n].load <= 2 * bestLoad + affinitySlack {
                let hit = nodes[n].cachedLeadingBlocks(hashes)
                if hit > longest || hit == longest && hit > 0 && nodes[n].load < nodes[best!].load { best = n; longest = hit }
            }
        case .prefixAffinity:
            // Conversations only: a class's system prompt is hot on every node within seconds,
            // so pinning it to one node would buy no cache and cost the balance.
            if let conversation, let home = affinityNode(key: conversation, nodes: nodes, candidates: candidates),
               nodes[home].load <= 2 * bestLoad + affinitySlack {
                best = home
            }
        }
        if let chosen = best, nodes[chosen].queued >= maxQueue, let leastLoaded { best = leastLoaded }
        return best
    }

    /// Rendezvous hashing: the live node with the highest hash of (key, node id) is the key's
    /// home, so a node joining or leaving moves only its own keys.
    static func affinityNode<Node: RoutableNode>(key: Int, nodes: [Node], candidates: [Int]) -> Int? {
        var best: Int?
        var bestHash: UInt64 = 0
        for n in candidates where nodes[n].takesTraffic {
            var h = UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15 ^ nodes[n].idHash
            h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            if best == nil || h > bestHash { best = n; bestHash = h }
        }
        return best
    }
}

extension SimulatedNode: RoutableNode {
    /// Starting (down) and draining replicas take no new requests.
    var takesTraffic: Bool { state != .down && state != .draining }
    var queued: Int { waiting.count }
    func cachedLeadingBlocks(_ hashes: [Int]) -> Int { kv.cachedLeading(hashes, limit: hashes.count) }
}

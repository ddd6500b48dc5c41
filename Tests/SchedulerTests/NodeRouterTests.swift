@testable import Scheduler
import Testing

/// The router alone, over made-up node loads.
@Suite struct NodeRouterTests {
    struct Node: RoutableNode {
        var takesTraffic = true
        var load = 0
        var queued = 0
        var idHash: UInt64 = 0
        var cached: Set<Int> = []

        func cachedLeadingBlocks(_ hashes: [Int]) -> Int { hashes.prefix { cached.contains($0) }.count }
    }

    @Test func prefixAffinityWithBlockHashesPicksTheLongestCachedPrefixWithinTheSlack() {
        var n = nodes([4, 2, 6, 0])
        n[0].cached = [10, 11, 12]      // the conversation's earlier turn
        n[1].cached = [10]              // the shared system block only
        n[2].cached = [10, 11, 12, 13]
        let hashes = [10, 11, 12, 13, 14]
        // Node 2 holds the most, within 2 x 0 + 8 of the least loaded.
        #expect(NodeRouter.pick(.prefixAffinity, nodes: n, candidates: [0, 1, 2, 3], start: 0, conversation: nil, hashes: hashes, maxQueue: 100) == 2)
        // Past the slack it gives way to the next longest.
        n[2].load = 9
        #expect(NodeRouter.pick(.prefixAffinity, nodes: n, candidates: [0, 1, 2, 3], start: 0, conversation: nil, hashes: hashes, maxQueue: 100) == 0)
        // Nothing cached anywhere: the least loaded.
        #expect(NodeRouter.pick(.prefixAffinity, nodes: n, candidates: [0, 1, 2, 3], start: 0, conversation: nil, hashes: [99], maxQueue: 100) == 3)
        // Least loaded ignores the hashes.
        #expect(NodeRouter.pick(.leastLoaded, nodes: n, candidates: [0, 1, 2, 3], start: 0, conversation: nil, hashes: hashes, maxQueue: 100) == 3)
    }

    func nodes(_ loads: [Int], hashes: [UInt64]? = nil) -> [Node] {
        loads.enumerated().map { i, l in Node(load: l, queued: l, idHash: hashes?[i] ?? UInt64(i) &* 0x9E37_79B9_7F4A_7C15) }
    }

    @Test func leastLoadedTakesTheLightestAndBreaksTiesByTurn() {
        let n = nodes([3, 1, 1, 2])
        #expect(NodeRouter.pick(.leastLoaded, nodes: n, candidates: [0, 1, 2, 3], start: 0, conversation: nil, maxQueue: 10) == 1)
        #expect(NodeRouter.pick(.leastLoaded, nodes: n, candidates: [0, 1, 2, 3], start: 2, conversation: nil, maxQueue: 10) == 2)
    }

    @Test func roundRobinTakesTheNextLiveNodeInTurn() {
        var n = nodes([0, 5, 0])
        n[0].takesTraffic = false
        #expect(NodeRouter.pick(.roundRobin, nodes: n, candidates: [0, 1, 2], start: 0, conversation: nil, maxQueue: 10) == 1)
        #expect(NodeRouter.pick(.roundRobin, nodes: n, candidates: [0, 1, 2], start: 2, conversation: nil, maxQueue: 10) == 2)
    }

    @Test func aFullQueueFallsBackToTheLeastLoaded() {
        var n = nodes([4, 9, 1])
        n[1].queued = 10
        #expect(NodeRouter.pick(.roundRobin, nodes: n, candidates: [0, 1, 2], start: 1, conversation: nil, maxQueue: 10) == 2)
    }

    @Test func noNodeTakingTrafficRoutesNowhere() {
        let n = [Node(takesTraffic: false), Node(takesTraffic: false)]
        #expect(NodeRouter.pick(.leastLoaded, nodes: n, candidates: [0, 1], start: 0, conversation: nil, maxQueue: 10) == nil)
    }

    @Test func aConversationStaysOnItsHomeUntilBalanceWins() throws {
        let n = nodes([0, 0, 0, 0])
        let home = try #require(NodeRouter.affinityNode(key: 1 << 41, nodes: n, candidates: [0, 1, 2, 3]))
        // Wherever the turn starts, the conversation goes home.
        for start in 0..<4 {
            #expect(NodeRouter.pick(.prefixAffinity, nodes: n, candidates: [0, 1, 2, 3], start: start, conversation: 1 << 41, maxQueue: 10) == home)
        }
        // Home more than twice the lightest plus the slack: balance wins.
        var busy = n
        busy[home].load = NodeRouter.affinitySlack + 1
        let picked = NodeRouter.pick(.prefixAffinity, nodes: busy, candidates: [0, 1, 2, 3], start: 0, conversation: 1 << 41, maxQueue: 10)
        #expect(picked != home && picked != nil)
        // A node leaving moves only its own keys: the home of a key homed elsewhere stays.
        let others = [0, 1, 2, 3].filter { $0 != home }
        let without = NodeRouter.affinityNode(key: 1 << 41, nodes: n, candidates: others)
        #expect(without != home)
        #expect(NodeRouter.affinityNode(key: 1 << 41, nodes: n, candidates: [0, 1, 2, 3].filter { $0 != without }) == home)
    }
}

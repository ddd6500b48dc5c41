import FleetCore
import FleetdeckTestSupport
import Foundation
import Testing
@testable import Scheduler

/// Prefix caching by block hash (Mooncake's `hash_ids`): requests share exactly the blocks
/// whose hashes agree from the start, on one node and over a pool.
@Suite struct BlockHashCacheTests {
    static func node(blocks: Int? = nil) throws -> TraceReplay {
        let p = try NodeProfileLoader.load(file: RepositoryRoot.path + "/sample-data/profiles/h100-sxm.json")
        return try TraceReplay(profile: p, profileFile: "h100-sxm", modelName: "llama3-8b",
                               engine: EngineSettings(numBlocks: blocks))
    }

    static func request(_ line: Int, at t: Double, prompt: Int, output: Int = 4, hashes: [Int]) -> TraceRequest {
        TraceRequest(line: line, id: "r\(line)", arrival: t, promptTokens: prompt, outputTokens: output,
                     blockHashes: hashes, hashBlockTokens: 512)
    }

    @Test func aLaterRequestHitsTheBlocksWhoseHashesAgreeAndNoMore() throws {
        let replay = try Self.node()
        // A computes three blocks; B shares the first two and diverges; C shares only the first.
        let trace = [Self.request(1, at: 0, prompt: 1600, hashes: [1, 2, 3, 4]),
                     Self.request(2, at: 5, prompt: 1600, hashes: [1, 2, 9, 10]),
                     Self.request(3, at: 10, prompt: 1600, hashes: [1, 7, 8, 11]),
                     Self.request(4, at: 15, prompt: 1600, hashes: [50, 2, 3, 4])]
        let unhashed = trace.map { var r = $0; r.blockHashes = []; return r }
        let with = try replay.run(trace, file: "t"), without = try replay.run(unhashed, file: "t")
        #expect(with.leakedBlocks == 0 && with.leakedTokens == 0)
        // Prefill time falls with the hit: A's none, B's two blocks, C's one, D's none (its first hash differs).
        let ttft = with.outcomes.map(\.ttft), base = without.outcomes.map(\.ttft)
        #expect(abs(ttft[0] - base[0]) < 1e-9)
        #expect(ttft[1] < ttft[2] && ttft[2] < base[2])
        #expect(abs(ttft[3] - base[3]) < 1e-9)
    }

    @Test func aSmallCacheUnderOverloadEvictsHashedBlocksAndLeaksNothing() throws {
        // 400 requests over 300 blocks of 16 tokens: constant eviction and preemption.
        let replay = try Self.node(blocks: 300)
        var rng = SeededRandom(seed: 7)
        var trace: [TraceRequest] = []
        for i in 0..<400 {
            let conversation = Int(rng.next() % 12)
            let depth = Int(rng.next() % 4) + 1
            let hashes = [0] + (0..<depth).map { conversation * 100 + $0 }
            trace.append(Self.request(i + 1, at: Double(i) * 0.05, prompt: hashes.count * 512 - 100 > 4000 ? 4000 : hashes.count * 512 - 100,
                                      output: Int(rng.next() % 200) + 1, hashes: Array(hashes.prefix(7))))
        }
        let result = try replay.run(trace, file: "t")
        #expect(result.outcomes.allSatisfy { $0.finish.isFinite && $0.firstToken >= $0.request.arrival })
        #expect(result.leakedBlocks == 0 && result.leakedTokens == 0)
        #expect(result.peakBlocksHeld <= 300)
    }

    @Test func overAPoolPrefixAffinityFindsMoreOfMooncakesSharingThanLeastLoaded() throws {
        let profile = try NodeProfileLoader.load(file: RepositoryRoot.path + "/sample-data/profiles/h100-sxm.json")
        var rates: [RouterPolicy: Double] = [:]
        for router in [RouterPolicy.leastLoaded, .prefixAffinity] {
            // The first 20 minutes of the trace.
            let feed = try TraceFeed(file: RepositoryRoot.path + "/sample-data/traces/mooncake-conversation.jsonl")
            let replay = try TracePoolReplay(feed: feed, profile: profile, profileFile: "h100-sxm", modelName: nil,
                                             engine: EngineSettings(), nodes: 8, router: router,
                                             objectives: [SLOObjective(metric: .ttft, percentile: 95, target: 2)])
            let (sim, seconds) = replay.run(limit: 1200)
            let report = try #require(sim.report(duration: seconds))
            let pool = try #require(report.pools.first)
            #expect(pool.requests > 3000 && pool.shed == 0)
            #expect(pool.slo.count == 1)
            rates[router] = try #require(pool.prefixCacheHitRate)
        }
        #expect(rates[.leastLoaded]! > 0.02)
        #expect(rates[.prefixAffinity]! > 1.5 * rates[.leastLoaded]!, "\(rates)")
    }

    @Test func aPoolReplayRunsUntilTheTraceEndsAndThePoolDrains() throws {
        let profile = try NodeProfileLoader.load(file: RepositoryRoot.path + "/sample-data/profiles/h100-sxm.json")
        let trace = (0..<50).map { Self.request($0 + 1, at: Double($0) * 0.2, prompt: 900, output: 300, hashes: [1, $0 + 10]) }
        for speedup in [1.0, 4.0] {
            let feed = TraceFeed(requests: trace, file: "t", speedup: speedup)
            let replay = try TracePoolReplay(feed: feed, profile: profile, profileFile: "h100-sxm", modelName: nil,
                                             engine: EngineSettings(), nodes: 2, router: .roundRobin, objectives: [])
            let (sim, seconds) = replay.run()
            let pool = try #require(sim.report(duration: seconds)?.pools.first)
            #expect(pool.requests == 50 && pool.completed == 50)
            #expect(sim.traceDrained && sim.totals.inSystem == 0)
            // The last arrival is at 9.8 s / speedup; the run stops at the first minute's end after draining.
            #expect(seconds == 60)
        }
    }
}

/// The open-addressing table against Dictionary, over random inserts, updates and removals
/// that force growth and long probe runs (keys that collide in their low bits).
@Suite struct HashedBlockTableTests {
    @Test func itAgreesWithADictionary() {
        var table = HashedBlockTable()
        var reference: [Int: HashedBlockTable.Entry] = [:]
        var rng = SeededRandom(seed: 5)
        for step in 0..<60_000 {
            let key = Int(rng.next() % 3000) << (step % 3 == 0 ? 20 : 0)
            switch rng.next() % 3 {
            case 0, 1:
                let e = HashedBlockTable.Entry(references: step, stamp: -step)
                table[key] = e; reference[key] = e
            default:
                table[key] = nil; reference[key] = nil
            }
            if step % 997 == 0 {
                #expect(table.count == reference.count)
                for (k, v) in reference { #expect(table[k]?.references == v.references) }
            }
        }
        for k in 0..<3000 { #expect(table.contains(k) == (reference[k] != nil)) }
    }
}

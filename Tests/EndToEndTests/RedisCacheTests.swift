import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// A real redis-server on loopback: the response-cache hit rate fleetdeck shows is the one
/// INFO's counters give over the same interval.
@Suite(.serialized) struct RedisCacheTests {
    func startRedis() throws -> (pid: pid_t, port: Int) {
        guard let server = Harness.which("redis-server") else {
            throw HarnessError("redis-server is not installed: the response-cache tests need it (Scripts/test installs it)")
        }
        let port = try Harness.freePort()
        let (pid, _) = try Harness.spawn(server, ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        let client = RedisClient(host: "127.0.0.1", port: port, timeout: 1)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if case .success = client.info() { return (pid, port) }
            usleep(100_000)
        }
        Harness.stop(pid)
        throw HarnessError("redis-server did not start on port \(port)")
    }

    @Test func theHitRateIsWhatINFOSaysOverTheInterval() throws {
        let (pid, port) = try startRedis()
        defer { Harness.stop(pid) }
        let client = RedisClient(host: "127.0.0.1", port: port, timeout: 1)
        var config = WatchConfig()
        config.redis = [.init(host: "127.0.0.1", port: port, pool: "chat")]
        let aggregator = FleetAggregator(config: config, name: "t", startTime: 0)

        aggregator.ingestRedis(0, client.info(), at: 0)
        // 30 hits and 10 misses between the two polls.
        _ = try client.send([["SET", "answer:42", "cached completion"]])
        _ = try client.send(Array(repeating: ["GET", "answer:42"], count: 30) + Array(repeating: ["GET", "answer:missing"], count: 10))
        let replies = try client.send([["GET", "answer:42"], ["GET", "nope"]])
        #expect(replies == [.bulk("cached completion"), .null])   // one more hit, one more miss
        let second = client.info()
        aggregator.ingestRedis(0, second, at: 1)

        let cache = aggregator.snapshot(at: 1).caches.first { $0.kind == .response }
        #expect(cache?.pool == "chat")
        #expect(cache?.hitRate == 31.0 / 42.0)
        guard case .success(let info) = second else { Issue.record("INFO failed"); return }
        #expect(info.fields["redis_version"]?.isEmpty == false)
        #expect(info.keyspaceHits == 31 && info.keyspaceMisses == 11)
    }

    @Test func anUnreachableCacheIsReportedNotFatal() throws {
        let port = try Harness.freePort()
        let result = RedisClient(host: "127.0.0.1", port: port, timeout: 1).info()
        #expect(result.failureReason == "connection refused")
    }
}

extension Result where Failure == ScrapeFailure {
    var failureReason: String? {
        if case .failure(let f) = self { return f.reason }
        return nil
    }
}

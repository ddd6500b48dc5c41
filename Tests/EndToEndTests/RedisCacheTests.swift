import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// A real redis-server on loopback: the response-cache hit rate fleetdeck shows is the one
/// INFO's counters give over the same interval.
@Suite(.serialized) struct RedisCacheTests {
    func startRedis(password: String? = nil) throws -> (pid: pid_t, port: Int) {
        guard let server = Harness.which("redis-server") else {
            throw HarnessError("redis-server is not installed: the response-cache tests need it (Scripts/test installs it)")
        }
        let port = try Harness.freePort()
        let (pid, _) = try Harness.spawn(server, ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
                                         + (password.map { ["--requirepass", $0] } ?? []))
        let client = RedisClient(host: "127.0.0.1", port: port, timeout: 1, password: password)
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

        aggregator.ingestRedis(0, client.info().map(CacheReading.init), at: 0)
        // 30 hits and 10 misses between the two polls.
        _ = try client.send([["SET", "answer:42", "cached completion"]])
        _ = try client.send(Array(repeating: ["GET", "answer:42"], count: 30) + Array(repeating: ["GET", "answer:missing"], count: 10))
        let replies = try client.send([["GET", "answer:42"], ["GET", "nope"]])
        #expect(replies == [.bulk("cached completion"), .null])   // one more hit, one more miss
        let second = client.info()
        aggregator.ingestRedis(0, second.map(CacheReading.init), at: 1)

        let cache = aggregator.snapshot(at: 1).caches.first { $0.kind == .response }
        #expect(cache?.pool == "chat")
        #expect(cache?.hitRate == 31.0 / 42.0)
        guard case .success(let info) = second else { Issue.record("INFO failed"); return }
        #expect(info.fields["redis_version"]?.isEmpty == false)
        #expect(info.keyspaceHits == 31 && info.keyspaceMisses == 11)
    }

    @Test func authWithAPasswordAndWithAnACLUser() throws {
        let (pid, port) = try startRedis(password: "s3cret")
        defer { Harness.stop(pid) }
        let none = RedisClient(host: "127.0.0.1", port: port, timeout: 1).info()
        #expect(none.failureReason?.contains("NOAUTH") == true, "\(String(describing: none.failureReason))")
        let wrong = RedisClient(host: "127.0.0.1", port: port, timeout: 1, password: "nope").info()
        #expect(wrong.failureReason?.hasPrefix("redis: AUTH failed") == true, "\(String(describing: wrong.failureReason))")
        #expect(wrong.failureReason?.contains("nope") == false)
        let admin = RedisClient(host: "127.0.0.1", port: port, timeout: 1, password: "s3cret")
        #expect((try? admin.info().get()) != nil)
        // A least-privilege user that may run INFO and nothing else.
        _ = try admin.send([["AUTH", "s3cret"], ["ACL", "SETUSER", "fleetdeck", "on", ">watch-only", "-@all", "+info"]])
        let limited = RedisClient(host: "127.0.0.1", port: port, timeout: 1, password: "watch-only", username: "fleetdeck")
        #expect((try? limited.info().get())?.fields["redis_version"] != nil)
    }

    /// A server that answers one byte at a time never trips a per-read timeout; the poll's
    /// own deadline ends it.
    @Test func aDrippingServerHitsThePollDeadline() throws {
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let port = try Harness.freePort()
        let script = NSTemporaryDirectory() + "fleetdeck-drip-\(getpid()).py"
        try """
            import socket, sys, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
            c, _ = s.accept(); c.recv(4096)
            body = b"# Server\\r\\nredis_version:7.0.0\\r\\n" + b"x" * 40
            reply = b"$%d\\r\\n" % len(body) + body + b"\\r\\n"
            for i in range(len(reply)):
                c.send(reply[i:i + 1]); time.sleep(0.2)
            time.sleep(5)
            """.write(toFile: script, atomically: true, encoding: .utf8)
        defer { unlink(script) }
        let (pid, _) = try Harness.spawn(python, [script, "\(port)"])
        defer { Harness.stop(pid) }
        var result = RedisClient(host: "127.0.0.1", port: port, timeout: 1).info()
        for _ in 0..<20 where result.failureReason == "connection refused" {
            usleep(100_000)
            result = RedisClient(host: "127.0.0.1", port: port, timeout: 1).info()
        }
        #expect(result.failureReason == "timeout after 1 s", "\(String(describing: result.failureReason))")
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

import FleetdeckTestSupport
import MetricsFormats
import AsyncHTTPClient
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// A target that answers slower than the timeout must not hold the others back.
@Suite struct SlowTargetTests {
    @Test func aSlowTargetDelaysNobody() async throws {
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let fast = try Harness.freePort(), slow = try Harness.freePort()
        func server(_ port: Int, delay: Double) throws -> pid_t {
            let script = """
                import http.server, time
                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        time.sleep(\(delay))
                        body = b'# TYPE vllm:num_requests_waiting gauge\\nvllm:num_requests_waiting 3\\n# TYPE vllm:num_requests_running gauge\\nvllm:num_requests_running 1\\n'
                        self.send_response(200); self.end_headers(); self.wfile.write(body)
                    def log_message(self, *a): pass
                http.server.ThreadingHTTPServer(('127.0.0.1', \(port)), H).serve_forever()
                """
            return try Harness.spawn(python, ["-c", script]).0
        }
        let pids = [try server(fast, delay: 0), try server(slow, delay: 120)]
        defer { pids.forEach(Harness.stop) }
        for port in [fast, slow] {
            for _ in 0..<50 where Loopback.connect(port: port).map({ close($0); return false }) ?? true { usleep(100_000) }
        }
        var config = WatchConfig()
        config.interval = 0.3
        config.timeout = 100   // the slow target cannot even fail within the test
        config.targets = [.init(url: "http://127.0.0.1:\(slow)/metrics", node: "slow", pool: "p"),
                          .init(url: "http://127.0.0.1:\(fast)/metrics", node: "fast", pool: "p")]
        let store = SnapshotStore()
        let loop = ScrapeLoop(aggregator: FleetAggregator(config: config, name: "t", startTime: WallClock().now),
                              scraper: MetricsScraper(client: Harness.httpClient, timeout: config.timeout), store: store)
        let task = Task.detached { await loop.run() }
        defer { loop.stop(); task.cancel() }
        // Judged by order, not by the clock (the test runner may starve threads): some snapshot
        // must show the fast node up and reporting while the slow one has not answered even
        // once. A loop that waited for its slowest target could never publish that.
        // Up to 100 s: the slow target cannot finish (or time out) a scrape sooner than 100 s
        // after the loop first asks it, which is after this point, so the check still tells
        // the two loops apart; the margin is for a full parallel test run on 2 cores, where
        // other suites' work can keep the loop's tasks waiting for a thread.
        var overtaken = false
        let deadline = Date().addingTimeInterval(100)
        while Date() < deadline && !overtaken {
            if let s = store.latest().snapshot,
               let f = s.nodes.first(where: { $0.id == "fast" }), f.state == .up, f.waiting == 3,
               s.sources.first(where: { $0.id == "slow" })?.scrapes == 0 {
                overtaken = true
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(overtaken)
    }
}

import Actions
import FleetCore
import FleetdeckTestSupport
import Foundation
import Testing
@testable import Telemetry

/// Servers that send their headers and then trickle the body, a byte at a time: every network
/// read has one deadline for the whole exchange, so none of them holds a fetch.
@Suite(.serialized) struct StalledBodyTests {
    @Test func aTricklingBodyTimesOutScrapesQueriesAndWebhooks() async throws {
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let port = try Harness.freePort()
        // A bounded trickle: one byte every 0.2 s for at most 60 s, then the server gives up.
        let script = """
            import http.server, time
            class H(http.server.BaseHTTPRequestHandler):
                def answer(self):
                    self.send_response(200)
                    self.send_header('Content-Type', 'text/plain')
                    self.send_header('Content-Length', '1000')
                    self.end_headers()
                    try:
                        for _ in range(300):
                            self.wfile.write(b'#'); self.wfile.flush(); time.sleep(0.2)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                def do_GET(self): self.answer()
                def do_POST(self):
                    self.rfile.read(int(self.headers['Content-Length'])); self.answer()
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(('127.0.0.1', \(port)), H).serve_forever()
            """
        let (pid, _) = try Harness.spawn(python, ["-c", script])
        defer { Harness.stop(pid) }
        for _ in 0..<50 where Loopback.connect(port: port).map({ close($0); return false }) ?? true { try await Task.sleep(nanoseconds: 100_000_000) }

        let t0 = Date()
        let scrape = await MetricsScraper(client: Harness.httpClient, timeout: 1).scrape("http://127.0.0.1:\(port)/metrics")
        #expect(scrape.failureReason?.contains("timeout after 1 s") == true, "\(scrape)")

        let query = PrometheusQuerySource(config: .init(url: "http://127.0.0.1:\(port)"), client: Harness.httpClient, timeout: 1)
        guard case .failure(let q) = await query.run("up") else { Issue.record("a stalled query answered"); return }
        #expect(q.reason.contains("timeout after 1 s"), "\(q)")

        let hook = HTTPActuator(url: "http://127.0.0.1:\(port)/hook", authorization: nil, timeout: 1, client: Harness.httpClient)
        guard case .failure(let h) = await hook.execute(.drain(node: "vllm-0")) else { Issue.record("a stalled webhook succeeded"); return }
        #expect(h.description.contains("timed out"), "\(h)")
        print("stalled: three exchanges gave up in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
    }

    @Test func fortyTricklingTargetsTakeNoHealthyTargetsTurn() async throws {
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let port = try Harness.freePort()
        // /healthy answers at once; every other path sends its headers, then a byte every 0.2 s.
        let script = """
            import http.server, time
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == '/healthy':
                        body = b'# TYPE vllm:num_requests_waiting gauge\\nvllm:num_requests_waiting 3\\n# TYPE vllm:num_requests_running gauge\\nvllm:num_requests_running 1\\n'
                        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
                        return
                    self.send_response(200); self.send_header('Content-Length', '1000'); self.end_headers()
                    try:
                        for _ in range(300):
                            self.wfile.write(b'#'); self.wfile.flush(); time.sleep(0.2)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(('127.0.0.1', \(port)), H).serve_forever()
            """
        let (pid, _) = try Harness.spawn(python, ["-c", script])
        defer { Harness.stop(pid) }
        for _ in 0..<50 where Loopback.connect(port: port).map({ close($0); return false }) ?? true { try await Task.sleep(nanoseconds: 100_000_000) }
        var config = WatchConfig()
        config.interval = 0.5
        config.timeout = 1
        config.targets = (0..<40).map { .init(url: "http://127.0.0.1:\(port)/stalled-\($0)", node: "stalled-\($0)", pool: "p") }
            + [.init(url: "http://127.0.0.1:\(port)/healthy", node: "healthy", pool: "p")]
        let store = SnapshotStore()
        // Fewer fetch slots (32) than stalled targets (40).
        let loop = ScrapeLoop(aggregator: FleetAggregator(config: config, name: "t", startTime: WallClock().now),
                              scraper: MetricsScraper(client: Harness.httpClient, timeout: config.timeout), store: store)
        let task = Task.detached { await loop.run() }
        defer { loop.stop(); task.cancel() }
        // Without a deadline on the whole exchange each stalled fetch holds its slot for the
        // 200 s its body takes, and the healthy target is scraped once, then never again.
        var scrapes = 0
        let until = Date().addingTimeInterval(60)
        while Date() < until && scrapes < 5 {
            scrapes = store.latest().snapshot?.sources.first { $0.id == "healthy" }?.scrapes ?? 0
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(scrapes >= 5, "the healthy target was scraped \(scrapes) times")
        #expect(store.latest().snapshot?.nodes.first { $0.id == "healthy" }?.waiting == 3)
        let stalled = store.latest().snapshot?.nodes.filter { $0.id.hasPrefix("stalled") } ?? []
        #expect(stalled.allSatisfy { $0.state != .up })
    }
}

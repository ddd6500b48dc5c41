import FleetdeckTestSupport
import MetricsFormats
import AsyncHTTPClient
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// The Authorization header reaches a real server that insists on it.
@Suite struct ScrapeAuthTests {
    @Test func aProtectedEndpointAnswersOnlyWithTheToken() async throws {
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let port = try Harness.freePort()
        let script = """
            import http.server
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.headers.get('Authorization') != 'Bearer s3cret':
                        self.send_response(401); self.end_headers(); return
                    body = b'# TYPE vllm:num_requests_waiting gauge\\nvllm:num_requests_waiting 4\\n'
                    self.send_response(200); self.send_header('Content-Type', 'text/plain; version=0.0.4')
                    self.end_headers(); self.wfile.write(body)
                def log_message(self, *a): pass
            http.server.HTTPServer(('127.0.0.1', \(port)), H).serve_forever()
            """
        let (pid, _) = try Harness.spawn(python, ["-c", script])
        defer { Harness.stop(pid) }
        let scraper = MetricsScraper(client: Harness.httpClient, timeout: 5)
        let url = "http://127.0.0.1:\(port)/metrics"
        var result = await scraper.scrape(url, authorization: "Bearer s3cret")
        for _ in 0..<50 {
            if case .failure(let f) = result, f.reason == "connection refused" {
                try await Task.sleep(nanoseconds: 100_000_000)
                result = await scraper.scrape(url, authorization: "Bearer s3cret")
            } else { break }
        }
        guard case .success(let ok) = result else { Issue.record("scrape failed: \(result)"); return }
        #expect(PrometheusTextParser.parse(ok.body).family("vllm:num_requests_waiting")?.samples.first?.value == 4)
        let denied = await scraper.scrape(url, authorization: "Bearer wrong")
        guard case .failure(let f) = denied else { Issue.record("no 401"); return }
        #expect(f.reason == "HTTP 401")
    }
}

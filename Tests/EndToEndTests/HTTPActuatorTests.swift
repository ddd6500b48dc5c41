import Actions
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// The http actuator against a real loopback server: body, token, a 500, a timeout.
@Suite(.serialized) struct HTTPActuatorTests {
    @Test func postsTheActionAndReportsFailures() async throws {
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let port = try Harness.freePort()
        let dir = NSTemporaryDirectory() + "fleetdeck-hook-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
            import http.server, time
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers['Content-Length']))
                    open('\(dir)/body.json', 'wb').write(body)
                    open('\(dir)/auth.txt', 'w').write(self.headers.get('Authorization', ''))
                    if self.path == '/slow': time.sleep(30)
                    if self.path == '/landed': open('\(dir)/landed', 'w').write('delivered')
                    if self.path == '/moved':
                        self.send_response(307); self.send_header('Location', 'http://127.0.0.1:\(port)/landed'); self.end_headers(); return
                    code = 500 if self.path == '/fail' else 200
                    self.send_response(code); self.end_headers(); self.wfile.write(b'done' if code == 200 else b'boom')
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(('127.0.0.1', \(port)), H).serve_forever()
            """
        let (pid, _) = try Harness.spawn(python, ["-c", script])
        defer { Harness.stop(pid) }
        for _ in 0..<50 where Loopback.connect(port: port).map({ close($0); return false }) ?? true { try await Task.sleep(nanoseconds: 100_000_000) }
        func hook(_ path: String, timeout: Double = 5) -> HTTPActuator {
            HTTPActuator(url: "http://127.0.0.1:\(port)\(path)", authorization: "Bearer s3cret", timeout: timeout, client: Harness.httpClient)
        }
        let ok = await hook("/hook").execute(.scale(pool: "chat", delta: 2))
        #expect((try? ok.get()) == "HTTP 200: done")
        let body = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/body.json"))) as? [String: Any]
        #expect(body?["action"] as? String == "scale" && body?["target"] as? String == "chat")
        #expect((body?["parameters"] as? [String: Any])?["delta"] as? Int == 2)
        #expect(try String(contentsOfFile: dir + "/auth.txt", encoding: .utf8) == "Bearer s3cret")

        guard case .failure(let e) = await hook("/fail").execute(.drain(node: "vllm-0")) else { Issue.record("a 500 passed"); return }
        #expect(e.description == "HTTP 500: boom")
        guard case .failure(let t) = await hook("/slow", timeout: 0.5).execute(.drain(node: "vllm-0")) else { Issue.record("no timeout"); return }
        #expect(t.description.contains("timed out"), "\(t)")

        // A webhook that redirects: the action is not sent on, and the failure says where to.
        let actions = try TelemetryHTTPClient.make(tls: nil, followRedirects: false)
        let moved = HTTPActuator(url: "http://127.0.0.1:\(port)/moved", authorization: nil, timeout: 5, client: actions)
        guard case .failure(let r) = await moved.execute(.drain(node: "vllm-0")) else { Issue.record("a redirect passed"); return }
        #expect(r.description.contains("redirects to http://127.0.0.1:\(port)/landed"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/landed"))
        try await actions.shutdown()
    }
}

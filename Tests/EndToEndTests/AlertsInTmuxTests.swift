import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// Alerts as the operator meets them: on a watched fleet (a real HTTP target and a dead one),
/// a rule fires, shows in the header and on the alerts screen, reaches a webhook (a real
/// loopback receiver) with an audit record, goes into the recording and comes back in its
/// replay summary; on the embedded fleet, a rule fires and a pool opens to its detail.
@Suite(.serialized) struct AlertsInTmuxTests {
    @Test func aWatchedFleetsAlertFiresReachesTheWebhookAndIsRecorded() async throws {
        try Harness.requireBinary()
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let dir = NSTemporaryDirectory() + "fleetdeck-alerts-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/www", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: RepositoryRoot.path + "/sample-data/telemetry/vllm-v1.prom", toPath: dir + "/www/metrics")
        let (port, hookPort, deadPort) = (try Harness.freePort(), try Harness.freePort(), try Harness.freePort())
        let (server, _) = try Harness.spawn(python, ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", dir + "/www"])
        defer { Harness.stop(server) }
        // The receiver keeps each body it is sent, numbered.
        let receiver = """
            import http.server, itertools
            n = itertools.count()
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers['Content-Length']))
                    open('\(dir)/hook-%d.json' % next(n), 'wb').write(body)
                    self.send_response(200); self.end_headers(); self.wfile.write(b'ok')
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(('127.0.0.1', \(hookPort)), H).serve_forever()
            """
        let (hook, _) = try Harness.spawn(python, ["-c", receiver])
        defer { Harness.stop(hook) }
        for p in [port, hookPort] {
            for _ in 0..<50 where Loopback.connect(port: p).map({ close($0); return false }) ?? true { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        let config = """
            scrape: {interval_ms: 300, timeout_ms: 1000}
            targets:
              - {url: "http://127.0.0.1:\(port)/metrics", node: vllm-0, pool: chat}
              - {url: "http://127.0.0.1:\(deadPort)/metrics", node: ghost-1, pool: chat}
            pools:
              - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 2000}]}
            alerts:
              webhook: {url: "http://127.0.0.1:\(hookPort)/hook", timeout_ms: 2000}
              rules:
                - {name: node-lost, expr: "nodes_down >= 1", for: 1s, severity: page}
            """
        try config.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)

        let pane = try TmuxPane(width: 150, height: 40)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/config.yaml --no-advisor "
                      + "--record \(dir)/fleet.rec --audit-log \(dir)/audit.jsonl")
        try pane.press("Enter")
        let header = try await pane.awaitScreen("the alert in the header") { $0.split(separator: "\n").first?.contains("▲ node-lost chat") == true }
        #expect(header.contains("ghost-1"))
        try pane.press("8")
        let screen = try await pane.awaitScreen("the alerts screen") { $0.contains("Alerts (1 firing") }
        let row = screen.split(separator: "\n").first { $0.contains("FIRING") && $0.contains("node-lost") } ?? ""
        #expect(row.contains("page") && row.contains("chat") && row.contains("nodes_down 1 >= 1 for 1s"), "\(row)")
        #expect(screen.contains("alert node-lost firing on chat"))
        // Filtering the alerts by a field this table has, then one it has not.
        try pane.press("/")
        try pane.type("severity:ticket")
        try pane.press("Enter")
        _ = try await pane.awaitScreen("the filtered alerts") { $0.contains("Alerts (0 firing, 0 pending)") }
        try pane.press("Escape")
        _ = try await pane.awaitScreen("the filter cleared") { $0.contains("Alerts (1 firing") }

        // The webhook got Alertmanager's shape, and the delivery is audited.
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: dir + "/hook-0.json") && Date() < deadline { try await Task.sleep(nanoseconds: 200_000_000) }
        let body = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/hook-0.json"))) as? [String: Any]
        let alert = (body?["alerts"] as? [[String: Any]])?.first
        #expect(body?["status"] as? String == "firing" && body?["version"] as? String == "4")
        #expect((alert?["labels"] as? [String: String]) == ["alertname": "node-lost", "pool": "chat", "severity": "page"])
        #expect((alert?["annotations"] as? [String: String])?["summary"] == "nodes_down 1 >= 1 for 1s")
        var audit = ""
        while !audit.contains("\"notify\"") && Date() < deadline {
            audit = (try? String(contentsOfFile: dir + "/audit.jsonl", encoding: .utf8)) ?? ""
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        #expect(audit.contains("\"action\":\"notify\"") && audit.contains("\"result\":\"ok\""))
        #expect(audit.contains("node-lost") && audit.contains("POST http://127.0.0.1:\(hookPort)/hook"))

        try pane.press("q")
        _ = try await pane.awaitScreen("the shell again") { $0.contains("recorded") }
        let summary = try Harness.fleetdeck(["replay", dir + "/fleet.rec", "--summary"])
        #expect(summary.status == 0)
        #expect(summary.stdout.contains("alert") && summary.stdout.contains("alert node-lost firing on chat"), "\(summary.stdout)")
    }

    @Test func theEmbeddedFleetsAlertsAndAPoolsDetail() async throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-demo-alerts-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            alerts:
              bell: true
              rules:
                - {name: busy, expr: "arrival_rate > 1", severity: ticket, pools: [chat-70b-blue]}
            """.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 160, height: 48)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) demo --scenario bank --warmup 30 --no-advisor --config \(dir)/config.yaml")
        try pane.press("Enter")
        _ = try await pane.awaitScreen("the alert in the header") { $0.split(separator: "\n").first?.contains("▲ busy chat-70b-blue") == true }
        try pane.press("8")
        // The budgets fill as the ticks after the warm-up pass through the ledger.
        func budget(_ screen: String) -> String {
            screen.split(separator: "\n").first { $0.contains("chat-70b-blue") && $0.contains("e2e p95") }.map(String.init) ?? ""
        }
        let alerts = try await pane.awaitScreen("the alerts screen with budgets") {
            $0.contains("FIRING") && $0.contains("Error budgets (4 objectives)") && budget($0).contains("%") && budget($0).contains("x")
        }
        #expect(budget(alerts).contains("< 2.00s"))
        try pane.press("3")
        try pane.press("Enter")
        let detail = try await pane.awaitScreen("the pool's detail") { $0.contains("what happened to chat-70b-blue") }
        #expect(detail.contains("SLO  e2e p95") && detail.contains("chat-70b-blue-01") && detail.contains("FIRING ticket busy"))
        #expect(detail.contains("BURN 1h") && detail.contains("Esc back"))
        try pane.press("Escape")
        _ = try await pane.awaitScreen("the Pools screen again") { $0.contains("[3 Pools]") && $0.contains("Pools (") }
        try pane.press("q")
    }
}

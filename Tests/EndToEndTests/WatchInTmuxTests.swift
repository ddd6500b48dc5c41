import MetricsFormats
import AsyncHTTPClient
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// `fleetdeck watch` against a real HTTP server (Python's http.server on loopback) serving a
/// vLLM scrape, and a target where nothing listens: up, down, stale, back up.
@Suite(.serialized) struct WatchInTmuxTests {
    func startMetricsServer(directory: String, port: Int) throws -> pid_t {
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed for the watch test") }
        let (pid, _) = try Harness.spawn(python, ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", directory])
        // Wait until it answers.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let fd = Loopback.connect(port: port) {
                close(fd)
                return pid
            }
            usleep(100_000)
        }
        throw HarnessError("the metrics server did not start on port \(port)")
    }

    /// The row of the node table for `node`.
    func row(_ screen: String, _ node: String) -> String {
        screen.split(separator: "\n").first { $0.contains("│\(node) ") || $0.contains("|\(node) ") }.map(String.init) ?? ""
    }

    @Test func watchFollowsATargetUpDownAndBack() throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-watch-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Harness.repositoryRoot + "/sample-data/telemetry/vllm-v1.prom", toPath: dir + "/metrics")
        let port = try Harness.freePort()
        let deadPort = try Harness.freePort()
        let config = """
            scrape: {interval_ms: 300, timeout_ms: 1000}
            targets:
              - {url: "http://127.0.0.1:\(port)/metrics", node: vllm-0, pool: chat}
              - {url: "http://127.0.0.1:\(deadPort)/metrics", node: ghost-1, pool: chat}
            pools:
              - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 2000}]}
            """
        try config.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        var server = try startMetricsServer(directory: dir, port: port)
        defer { Harness.stop(server) }

        let pane = try TmuxPane(width: 140, height: 40)
        try pane.type("FLEETDECK_HOME=\(Harness.repositoryRoot) \(Harness.binary) watch --config \(dir)/config.yaml")
        try pane.press("Enter")
        let up = try pane.waitFor("vllm-0 up with the scraped figures") { s in
            let r = self.row(s, "vllm-0")
            return r.contains(" up ") && r.contains(" 41 ") && r.contains(" 73 ")
        }
        #expect(up.contains("fleetdeck scrape watch"))
        #expect(row(up, "vllm-0").contains("meta-llama/Llama-3.1-8B-Instruct") || up.contains("Llama-3.1-8B"))
        try pane.waitFor("ghost-1 down") { self.row($0, "ghost-1").contains(" down ") }
        try pane.type("2")
        try pane.waitFor(text: "connection refused")
        try pane.type("5")
        let sources = try pane.waitFor(text: "Sources (2)")
        #expect(row(sources, "vllm-0").contains("vllm") && row(sources, "vllm-0").contains(" up "))
        #expect(row(sources, "ghost-1").contains("never") && row(sources, "ghost-1").contains("connection refused"))
        try pane.type("1")

        Harness.stop(server)
        try pane.waitFor("vllm-0 stale or down") { s in
            let r = self.row(s, "vllm-0")
            return r.contains(" stale ") || r.contains(" down ")
        }
        try pane.waitFor("vllm-0 down") { self.row($0, "vllm-0").contains(" down ") }
        server = try startMetricsServer(directory: dir, port: port)
        try pane.waitFor("vllm-0 back up") { self.row($0, "vllm-0").contains(" up ") }
        let log = try pane.screen()
        #expect(log.contains("node vllm-0 down") && log.contains("node vllm-0 up"))

        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("Nodes (2)") }
        #expect(try pane.format("#{alternate_on}") == "0")
    }

    @Test func watchWithoutTargetsSaysWhatToDo() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-watch-empty-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "theme: dark\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let r = try Harness.fleetdeck(["watch", "--config", dir + "/c.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("nothing to watch: add a targets: list"))
        try "targets:\n  - {url: \"ftp://x/metrics\"}\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let bad = try Harness.fleetdeck(["watch", "--config", dir + "/c.yaml"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("c.yaml:2: targets[0].url: expected an http:// or https:// URL"))
    }
}


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
        let scraper = MetricsScraper(client: Harness.httpClient, timeout: 2)
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

/// `fleetdeck watch` on an NDJSON file that a producer appends to and then rotates.
@Suite(.serialized) struct WatchStreamTests {
    @Test func aFollowedFileDrivesTheConsole() throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-stream-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/fleet.ndjson"
        try #"{"node":"edge-7","pool":"edge","running":2,"waiting":9,"kv_cache":0.42,"model":"qwen2.5-3b-q4"}"#
            .appending("\n").write(toFile: file, atomically: false, encoding: .utf8)
        try "scrape: {interval_ms: 300}\nstreams: {files: [\"\(file)\"]}\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(width: 120, height: 30)
        try pane.type("FLEETDECK_HOME=\(Harness.repositoryRoot) \(Harness.binary) watch --config \(dir)/c.yaml")
        try pane.press("Enter")
        try pane.waitFor("edge-7 with its figures") { s in
            s.split(separator: "\n").contains { $0.contains("edge-7") && $0.contains(" 9 ") && $0.contains(" 42 ") }
        }
        // Rotation: a new file with a new node and a hostile event text.
        try FileManager.default.moveItem(atPath: file, toPath: file + ".1")
        try (#"{"node":"edge-8","pool":"edge","running":1,"waiting":0}"# + "\n"
             + #"{"type":"event","severity":"warning","message":"edge-8 \u001b[2Jrebooted"}"# + "\n")
            .write(toFile: file, atomically: false, encoding: .utf8)
        let screen = try pane.waitFor(text: "edge-8")
        #expect(try pane.waitFor(text: "rebooted").contains("edge-8 "))
        #expect(!screen.contains("\u{1B}"))
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("Nodes (") }
    }
}

/// NDJSON piped in (`producer | fleetdeck watch --stdin`) while the console still reads its
/// keys from the terminal.
@Suite(.serialized) struct WatchStdinTests {
    @Test func aPipeFeedsTheConsoleAndKeysStillWork() throws {
        try Harness.requireBinary()
        let pane = try TmuxPane(width: 120, height: 30)
        let record = #"{"node":"pipe-1","pool":"piped","running":4,"waiting":7,"kv_cache":0.31}"#
        try pane.type("(while true; do echo '\(record)'; sleep 0.3; done) | FLEETDECK_HOME=\(Harness.repositoryRoot) \(Harness.binary) watch --stdin")
        try pane.press("Enter")
        try pane.waitFor("pipe-1 with its figures") { s in
            s.split(separator: "\n").contains { $0.contains("pipe-1") && $0.contains(" 7 ") && $0.contains(" 31 ") }
        }
        try pane.type("?")   // keys reach the console from the terminal, not from the pipe
        try pane.waitFor(text: "cycle the sort column")
        try pane.type("x")
        try pane.waitFor("the help closed") { !$0.contains("cycle the sort column") && $0.contains("pipe-1") }
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("Nodes (") }
    }

    @Test func stdinWithoutATerminalIsExplained() throws {
        let r = try Harness.fleetdeck(["watch", "--stdin"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--stdin needs a terminal for the console"), "\(r.stderr)")
    }
}

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

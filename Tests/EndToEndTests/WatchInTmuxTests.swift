import FleetdeckTestSupport
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
        try FileManager.default.copyItem(atPath: RepositoryRoot.path + "/sample-data/telemetry/vllm-v1.prom", toPath: dir + "/metrics")
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
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/config.yaml")
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

    /// Two fleets under contexts: the header names the one shown (prod in red), `:ctx` switches,
    /// a read-only context refuses actions, and a bad `context:` names its line.
    @Test func contextsSwitchFleetsAndNameThemInTheHeader() throws {
        try Harness.requireBinary()
        let dir = NSTemporaryDirectory() + "fleetdeck-ctx-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: RepositoryRoot.path + "/sample-data/telemetry/vllm-v1.prom", toPath: dir + "/metrics")
        let port = try Harness.freePort()
        let server = try startMetricsServer(directory: dir, port: port)
        defer { Harness.stop(server) }
        for (name, node) in [("prod", "prod-0"), ("staging", "stage-0")] {
            try """
                scrape: {interval_ms: 300, timeout_ms: 1000}
                targets:
                  - {url: "http://127.0.0.1:\(port)/metrics", node: \(node), pool: chat}
                actions:
                  pools:
                    chat: {actuator: exec, argv: ["/bin/true", "{replicas}"]}
                """.write(toFile: "\(dir)/\(name).yaml", atomically: true, encoding: .utf8)
        }
        try """
            contexts:
              - {name: prod, config: prod.yaml, read_only: true}
              - {name: staging, config: staging.yaml, colour: yellow}
            context: staging
            """.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)

        let pane = try TmuxPane(width: 140, height: 30)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/config.yaml 2>\(dir)/err.txt")
        try pane.press("Enter")
        let staging = try pane.waitFor("the staging fleet") { $0.contains(" fleetdeck [staging] ") && self.row($0, "stage-0").contains(" up ") }
        #expect(!staging.contains("prod-0"))
        try pane.type(":ctx prod")
        try pane.press("Enter")
        let prod = try pane.waitFor("the prod fleet") { $0.contains(" fleetdeck [prod] ") && self.row($0, "prod-0").contains(" up ") }
        #expect(!prod.contains("stage-0"))
        // Read-only: the action keys are gone from the footer, and a typed scale is refused.
        #expect(!prod.contains("+ scale+"))
        try pane.type(":scale chat +1")
        try pane.press("Enter")
        try pane.waitFor(text: "read-only")
        try pane.type(":ctx staging")
        try pane.press("Enter")
        try pane.waitFor("back on staging") { $0.contains(" fleetdeck [staging] ") && self.row($0, "stage-0").contains(" up ") }
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("fleetdeck [") }

        let direct = try Harness.fleetdeck(["watch", "--config", dir + "/config.yaml", "--context", "nope"])
        #expect(direct.status == 2 && direct.stderr.contains("no context named 'nope': prod, staging"), "\(direct.stderr)")
        try "contexts:\n  - {name: prod, config: prod.yaml}\ncontext: dev\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try Harness.fleetdeck(["watch", "--config", dir + "/bad.yaml"])
        #expect(bad.status == 2 && bad.stderr.contains("bad.yaml:3") && bad.stderr.contains("no context named 'dev'"), "\(bad.stderr)")
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

import FleetdeckTestSupport
import MetricsFormats
import AsyncHTTPClient
import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// A real Prometheus (Debian's package) scrapes two real HTTP servers serving a vLLM scrape;
/// through its query API fleetdeck sees the same node set and the same queue depths as by
/// scraping the servers itself, and sees a killed server go down.
@Suite(.serialized) struct PrometheusQueryTests {
    func metricsServer(_ dir: String) throws -> (pid: pid_t, port: Int) {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: dir + "/metrics")
        try FileManager.default.copyItem(atPath: RepositoryRoot.path + "/sample-data/telemetry/vllm-v1.prom", toPath: dir + "/metrics")
        guard let python = Harness.which("python3") else { throw HarnessError("python3 is needed") }
        let port = try Harness.freePort()
        let (pid, _) = try Harness.spawn(python, ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", dir])
        return (pid, port)
    }

    @Test func queryAPISeesWhatDirectScrapingSees() async throws {
        guard let prometheus = Harness.which("prometheus") else {
            throw HarnessError("prometheus is not installed: this test needs it (Scripts/test installs it)")
        }
        let base = NSTemporaryDirectory() + "fleetdeck-prom-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let a = try metricsServer(base + "/a"), b = try metricsServer(base + "/b")
        var bAlive = true
        defer {
            Harness.stop(a.pid)
            if bAlive { Harness.stop(b.pid) }
        }
        let promPort = try Harness.freePort()
        try """
            global: {scrape_interval: 1s, scrape_timeout: 800ms}
            scrape_configs:
              - job_name: chat
                static_configs: [{targets: ["127.0.0.1:\(a.port)", "127.0.0.1:\(b.port)"]}]
            """.write(toFile: base + "/prometheus.yml", atomically: true, encoding: .utf8)
        let (promPID, _) = try Harness.spawn(prometheus, ["--config.file=\(base)/prometheus.yml", "--storage.tsdb.path=\(base)/data",
                                                          "--web.listen-address=127.0.0.1:\(promPort)", "--log.level=warn"])
        defer { Harness.stop(promPID) }

        let source = PrometheusQuerySource(config: .init(url: "http://127.0.0.1:\(promPort)"), client: Harness.httpClient, timeout: 5)
        // Wait until Prometheus has scraped both servers.
        var tick: PrometheusQuerySource.QueryTick?
        let deadline = Date().addingTimeInterval(45)
        while Date() < deadline {
            if case .success(let t) = await source.poll(), t.nodes.count == 2, t.values[.waiting]?.count == 2 { tick = t; break }
            try await Task.sleep(nanoseconds: 300_000_000)
        }
        let t = try #require(tick, "Prometheus never showed both targets")
        let nodes = Set(t.nodes.map(\.node))
        #expect(nodes == ["127.0.0.1:\(a.port)", "127.0.0.1:\(b.port)"])
        #expect(t.nodes.allSatisfy { $0.pool == "chat" })

        // The same servers scraped directly.
        var config = WatchConfig()
        config.targets = [a.port, b.port].map { .init(url: "http://127.0.0.1:\($0)/metrics", node: "127.0.0.1:\($0)", pool: "chat") }
        let direct = FleetAggregator(config: config, name: "direct", startTime: 0)
        let scraper = MetricsScraper(client: Harness.httpClient, timeout: 5)
        for (i, target) in config.targets.enumerated() { direct.ingest(target: i, TargetScrape(await scraper.scrape(target.url)), at: 1) }
        let scraped = direct.snapshot(at: 1)
        #expect(Set(scraped.nodes.map(\.id)) == nodes)
        for key in t.nodes {
            let node = try #require(scraped.nodes.first { $0.id == key.node })
            #expect(t.value(.waiting, key).map(Int.init) == node.waiting)
            #expect(t.value(.running, key).map(Int.init) == node.running)
            #expect(t.value(.kvCacheUsage, key) == node.kvCacheUsage)
        }

        // One server dies: Prometheus marks it down and so does the console.
        Harness.stop(b.pid)
        bAlive = false
        let aggregator = QueryAggregator(name: "p", address: "prom", pools: [], startTime: 0)
        var sawDown = false
        let downDeadline = Date().addingTimeInterval(30)
        while Date() < downDeadline && !sawDown {
            aggregator.ingest(await source.poll(), at: 2)
            let snap = aggregator.snapshot(at: 2)
            sawDown = snap.nodes.first { $0.id == "127.0.0.1:\(b.port)" }?.state == .down
                && snap.nodes.first { $0.id == "127.0.0.1:\(a.port)" }?.state == .up
            if !sawDown { try await Task.sleep(nanoseconds: 500_000_000) }
        }
        #expect(sawDown)
        #expect(aggregator.snapshot(at: 3).events.contains { $0.message.contains("127.0.0.1:\(b.port) down") })
    }

    @Test func theQueriesAreWhatTheDocsSay() {
        let s = PrometheusQuerySource(config: .init(url: "http://x:9090"), client: Harness.httpClient, timeout: 1)
        #expect(s.query(for: .waiting) == "sum by (job, instance) (vllm:num_requests_waiting or sglang:num_queue_reqs)")
        #expect(s.latencyQuery(.e2e, quantile: 0.95)
                == "histogram_quantile(0.95, sum by (le, job) (rate(vllm:e2e_request_latency_seconds_bucket[1m]) or rate(sglang:e2e_request_latency_seconds_bucket[1m])))")
    }
}

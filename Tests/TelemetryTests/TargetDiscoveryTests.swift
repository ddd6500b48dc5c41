import FleetCore
import Foundation
import Testing
@testable import Telemetry

/// Prometheus' service discovery: target-group documents, how they become targets, file and
/// HTTP providers that keep their last good set, and the aggregator taking a changing set.
@Suite struct TargetDiscoveryTests {
    @Test func targetGroupsReadAsJSONOrYAMLWithTheirLine() throws {
        let json = try TargetGroup.parse(#"[{"targets": ["10.0.0.7:8000", "10.0.0.8:8000"], "labels": {"pool": "chat"}}]"#, source: "a.json")
        #expect(json == [TargetGroup(targets: ["10.0.0.7:8000", "10.0.0.8:8000"], labels: ["pool": "chat"])])
        let yaml = try TargetGroup.parse("- targets: [\"h:1\"]\n  labels: {job: x}\n", source: "a.yaml")
        #expect(yaml == [TargetGroup(targets: ["h:1"], labels: ["job": "x"])])
        #expect(try TargetGroup.parse("  \n", source: "empty.json").isEmpty)
        let bad = #expect(throws: ConfigFileError.self) { try TargetGroup.parse("- targets: [\"h:1\"]\n  labels: {\"bad-name\": x}\n", source: "b.yaml") }
        #expect(bad?.file == "b.yaml" && bad?.line == 2, "\(String(describing: bad))")
        #expect(throws: ConfigFileError.self) { try TargetGroup.parse("- tragets: [\"h:1\"]\n", source: "c.yaml") }
        #expect(throws: ConfigFileError.self) { try TargetGroup.parse("{\"targets\": ", source: "cut.json") }
    }

    @Test func groupsBecomeTargetsAsPrometheusRelabelsThem() {
        let groups = [
            TargetGroup(targets: ["10.0.0.7:8000", "10.0.0.8:8000"], labels: ["pool": "chat"]),
            TargetGroup(targets: ["sd:9400"], labels: ["__metrics_path__": "/nodes/a/metrics", "__scheme__": "https",
                                                       "instance": "node-a", "job": "rag"]),
            TargetGroup(targets: ["no-port", "x:99999", "10.0.0.7:8000", "\u{1b}[31m:80"], labels: ["__scheme__": "http"]),
            TargetGroup(targets: ["h:1"], labels: ["__scheme__": "ftp"]),
            TargetGroup(targets: ["a#x:80", "evil?x:80", "u@h:80", "fe80::1:9100", "[::1]:9100"], labels: ["__metrics_path__": "/m?x=1"]),
        ]
        let d = DiscoveredTargets(groups, poolLabel: "pool", nodeLabel: "instance")
        #expect(d.targets.map(\.url) == ["http://10.0.0.7:8000/metrics", "http://10.0.0.8:8000/metrics", "https://sd:9400/nodes/a/metrics",
                                          "http://[::1]:9100/m%3Fx=1"])
        #expect(d.targets.map(\.node) == ["10.0.0.7:8000", "10.0.0.8:8000", "node-a", "[::1]:9100"])
        #expect(d.targets.map(\.pool) == ["chat", "chat", "default", "default"])
        #expect(d.skipped.count == 9, "\(d.skipped)")
        #expect(d.skipped.allSatisfy { !$0.contains("\u{1b}") })
        let byJob = DiscoveredTargets(groups, poolLabel: "job", nodeLabel: "instance")
        #expect(byJob.targets.first { $0.node == "node-a" }?.pool == "rag")
    }

    @Test func aFileProviderFollowsItsFilesAndKeepsTheLastGoodSet() async throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-sd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ name: String, _ text: String) throws { try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8) }
        try write("a.json", #"[{"targets": ["h1:1"], "labels": {"pool": "p"}}]"#)
        var config = TargetDiscovery.Config()
        config.files = [.init(files: ["\(dir)/*.json"], refresh: 3600)]
        let discovery = TargetDiscovery(config: config)
        let noFetch: (String, String?) async -> Result<[UInt8], ScrapeFailure> = { _, _ in .failure(ScrapeFailure("unused")) }
        #expect(await discovery.refresh(at: 0, fetch: noFetch))
        #expect(discovery.targets.targets.map(\.node) == ["h1:1"])
        #expect(await discovery.refresh(at: 1, fetch: noFetch) == false, "nothing changed, nothing due")

        try write("b.json", #"[{"targets": ["h2:2"]}]"#)
        #expect(await discovery.refresh(at: 2, fetch: noFetch), "a new file matching the glob is read at once")
        #expect(discovery.targets.targets.map(\.node) == ["h1:1", "h2:2"])

        try write("a.json", #"[{"targets": ["h1:1"#)
        #expect(await discovery.refresh(at: 3, fetch: noFetch) == false)
        #expect(discovery.targets.targets.map(\.node) == ["h1:1", "h2:2"], "a damaged file keeps its last good set")
        let status = try #require(discovery.statuses.first)
        #expect(status.problem?.contains("keeping the last good set") == true && status.failures == 1, "\(status)")

        try FileManager.default.removeItem(atPath: "\(dir)/b.json")
        try write("a.json", "[]")
        #expect(await discovery.refresh(at: 4, fetch: noFetch))
        #expect(discovery.targets.targets.isEmpty)

        // A file named outright (no glob) that is deleted takes its targets with it; a FIFO is
        // refused, not waited on.
        var named = TargetDiscovery.Config()
        named.files = [.init(files: ["\(dir)/one.yaml"], refresh: 3600)]
        let one = TargetDiscovery(config: named)
        try write("one.yaml", "- targets: [\"h3:3\"]\n")
        #expect(await one.refresh(at: 0, fetch: noFetch) && one.targets.targets.count == 1)
        try FileManager.default.removeItem(atPath: "\(dir)/one.yaml")
        #expect(await one.refresh(at: 1, fetch: noFetch) && one.targets.targets.isEmpty)
        #expect(mkfifo("\(dir)/one.yaml", 0o600) == 0)
        #expect(await one.refresh(at: 2, fetch: noFetch) == false)
        #expect(one.statuses.first?.problem?.contains("not a regular file") == true)
    }

    @Test func anHTTPProviderIsFetchedOnItsIntervalAndKeepsItsSetWhenTheServerFails() async {
        var config = TargetDiscovery.Config()
        config.http = [.init(url: "http://sd.test/targets", refresh: 30, authorization: "Bearer sd-token")]
        let discovery = TargetDiscovery(config: config)
        // The document is served only to the configured credentials.
        let answer: (String, String?) async -> Result<[UInt8], ScrapeFailure> = { _, auth in
            auth == "Bearer sd-token" ? .success(Array(#"[{"targets": ["h:1"]}]"#.utf8)) : .failure(ScrapeFailure("HTTP 401"))
        }
        let failing: (String, String?) async -> Result<[UInt8], ScrapeFailure> = { _, _ in .failure(ScrapeFailure("HTTP 503")) }
        #expect(await discovery.refresh(at: 0, fetch: answer))
        #expect(await discovery.refresh(at: 10, fetch: failing) == false, "not due for 30 s")
        #expect(await discovery.refresh(at: 31, fetch: failing) == false)
        #expect(discovery.targets.targets.map(\.node) == ["h:1"])
        #expect(discovery.statuses.first?.problem == "HTTP 503 (keeping the last good set)")
    }

    @Test func theAggregatorTakesAChangingSetKeepingHistoriesAndSayingWhatChanged() {
        var c = WatchConfig()
        c.targets = [.init(url: "http://a:1/metrics", node: "a", pool: "p")]
        let agg = FleetAggregator(config: c, name: "t", startTime: 0)
        let body = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 7\n"
        agg.ingest(target: 0, TargetScrape(.success(.init(body: Array(body.utf8), openMetrics: false, duration: 0.01))), at: 1)
        let b = WatchConfig.Target(url: "http://b:1/metrics", node: "b", pool: "q")
        let first = agg.setTargets(c.targets + [b], at: 2)
        #expect(first.added.map(\.id) == [1] && first.removed.isEmpty)
        #expect(agg.snapshot(at: 2.5).nodes.first { $0.id == "a" }?.running == 7, "a keeps its figures")
        let second = agg.setTargets([b], at: 3)
        #expect(second.removed == [0] && second.added.isEmpty)
        agg.ingest(target: 0, TargetScrape(.success(.init(body: Array(body.utf8), openMetrics: false, duration: 0.01))), at: 3.5)
        let s = agg.snapshot(at: 4)
        #expect(s.nodes.map(\.id) == ["b"], "a scrape of a dropped target lands nowhere")
        #expect(s.events.contains { $0.message.hasPrefix("node b discovered") })
        #expect(s.events.contains { $0.message == "node a left (no longer discovered)" })
    }

    @Test func durationsArePrometheusDurations() {
        #expect(WatchConfig.prometheusDuration("30s") == 30 && WatchConfig.prometheusDuration("5m") == 300)
        #expect(WatchConfig.prometheusDuration("1h30m") == 5400 && WatchConfig.prometheusDuration("1m30s500ms") == 90.5)
        #expect(WatchConfig.prometheusDuration("500ms") == 0.5 && WatchConfig.prometheusDuration("1.5h") == 5400)
        #expect(WatchConfig.prometheusDuration("2w") == 1_209_600)
        // Largest unit first, each once; a unit on every number.
        for bad in ["", "90", "30s1m", "1m1m", "1h 30m", "s", "1x", "-5s", "1e3s"] {
            #expect(WatchConfig.prometheusDuration(bad) == nil, "\(bad)")
        }
    }

    @Test func theConfigReadsPrometheusKeys() throws {
        let doc = try YAMLValue.parse("""
            scrape:
              file_sd_configs: [{files: ["/etc/fleet/*.json", "/etc/fleet/extra.yaml"], refresh_interval: 1m30s}]
              http_sd_configs: [{url: "http://sd.internal:9400/targets", bearer_token_env: FLEETDECK_TEST_SD_TOKEN}]
              pool_label: job
            """, file: "c.yaml")
        setenv("FLEETDECK_TEST_SD_TOKEN", "sd-secret", 1)
        defer { unsetenv("FLEETDECK_TEST_SD_TOKEN") }
        let c = try WatchConfig.read(doc)
        #expect(c.discovery.files == [.init(files: ["/etc/fleet/*.json", "/etc/fleet/extra.yaml"], refresh: 90)])
        #expect(c.discovery.http == [.init(url: "http://sd.internal:9400/targets", refresh: 60, authorization: "Bearer sd-secret")])
        #expect(c.discovery.poolLabel == "job" && c.discovery.nodeLabel == "instance" && c.hasSource)
        for bad in ["scrape: {http_sd_configs: [{url: \"file:///x\"}]}", "scrape: {file_sd_configs: [{files: [a], refresh_interval: 0s}]}",
                    "scrape: {file_sd_configs: [{files: [a], refresh_interval: soon}]}", "scrape: {file_sd_configs: [{files: []}]}",
                    "scrape: {file_sd_configs: [{files: [a], refresh_interval: 30s1m}]}",
                    "scrape: {http_sd_configs: [{url: \"http://sd/t\", basic_auth: {username: u}}]}"] {
            let e = #expect(throws: ConfigFileError.self) { try WatchConfig.read(YAMLValue.parse(bad, file: "c.yaml")) }
            #expect(e?.line == 1, "\(bad)")
        }
    }
}

@testable import MetricsFormats
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct TargetHealthTests {
    @Test func upStaleDownAndBack() {
        var h = TargetHealth()
        #expect(h.state.0 == .stale && h.state.1 == "waiting for the first scrape")
        h.recordSuccess(duration: 0.01)
        #expect(h.state.0 == .up && h.state.1 == nil)
        h.recordFailure("timeout after 2 s")
        #expect(h.state.0 == .stale && h.state.1 == "missed 1 scrape: timeout after 2 s")
        h.recordFailure("timeout after 2 s")
        h.recordFailure("HTTP 503")
        #expect(h.state.0 == .down && h.state.1 == "HTTP 503")
        h.recordSuccess(duration: 0.01)
        #expect(h.state.0 == .up)
        #expect(h.scrapes == 5 && h.failures == 3)
    }

    @Test func neverReachedIsDownAtOnce() {
        var h = TargetHealth()
        h.recordFailure("connection refused")
        #expect(h.state.0 == .down && h.state.1 == "connection refused")
    }
}

@Suite struct WatchConfigTests {
    @Test func readsTargetsAndPools() throws {
        let doc = try YAMLValue.parse("""
            scrape: {interval_ms: 500, timeout_ms: 1500}
            targets:
              - {url: "http://10.0.0.7:8000/metrics", node: vllm-0, pool: chat}
              - {url: "http://10.0.0.8:8000/metrics"}
            pools:
              - {id: chat, slo: [{metric: ttft, percentile: 99, target_ms: 800}]}
            """, file: "c.yaml")
        let c = try WatchConfig.read(doc)
        #expect(c.interval == 0.5 && c.timeout == 1.5)
        #expect(c.targets.map(\.node) == ["vllm-0", "10.0.0.8:8000"])
        #expect(c.targets[1].pool == "default")
        #expect(c.pools.first?.objectives == [SLOObjective(metric: .ttft, percentile: 99, target: 0.8)])
    }

    @Test func rejectsBadURLsAndDuplicateNodes() throws {
        let bad = try YAMLValue.parse("targets:\n  - {url: \"file:///etc/passwd\"}\n", file: "c.yaml")
        #expect(throws: ConfigFileError.self) { try WatchConfig.read(bad) }
        let dup = try YAMLValue.parse("targets:\n  - {url: \"http://a/m\", node: x}\n  - {url: \"http://b/m\", node: x}\n", file: "c.yaml")
        let e = #expect(throws: ConfigFileError.self) { try WatchConfig.read(dup) }
        #expect(e?.line == 3)
    }
}

@Suite struct FleetAggregatorTests {
    func config() -> WatchConfig {
        var c = WatchConfig()
        c.targets = [.init(url: "http://a/metrics", node: "vllm-0", pool: "chat"),
                     .init(url: "http://b/metrics", node: "vllm-1", pool: "chat")]
        c.pools = [.init(id: "chat", objectives: [SLOObjective(metric: .e2e, percentile: 95, target: 2)])]
        return c
    }

    func scrape(_ text: String) -> TargetScrape {
        TargetScrape(.success(.init(body: Array(text.utf8), openMetrics: false, duration: 0.01)))
    }

    func vllm(generated: Double, hits: Double, queries: Double, e2eBelow1: Double, e2eTotal: Double) -> String {
        """
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="m"} 12
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{model_name="m"} 3
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{model_name="m"} 0.5
        # TYPE vllm:generation_tokens_total counter
        vllm:generation_tokens_total{model_name="m"} \(generated)
        # TYPE vllm:prefix_cache_hits_total counter
        vllm:prefix_cache_hits_total{model_name="m"} \(hits)
        # TYPE vllm:prefix_cache_queries_total counter
        vllm:prefix_cache_queries_total{model_name="m"} \(queries)
        # TYPE vllm:e2e_request_latency_seconds histogram
        vllm:e2e_request_latency_seconds_bucket{le="1.0",model_name="m"} \(e2eBelow1)
        vllm:e2e_request_latency_seconds_bucket{le="4.0",model_name="m"} \(e2eTotal)
        vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} \(e2eTotal)
        vllm:e2e_request_latency_seconds_count{model_name="m"} \(e2eTotal)
        vllm:e2e_request_latency_seconds_sum{model_name="m"} 0
        """
    }

    @Test func ratesQuantilesAndStatesFromTwoScrapes() {
        let a = FleetAggregator(config: config(), name: "t", startTime: 100)
        a.ingest(target: 0, scrape(vllm(generated: 1000, hits: 10, queries: 100, e2eBelow1: 10, e2eTotal: 10)), at: 100)
        a.ingest(target: 1, .failed("connection refused"), at: 100)
        a.ingest(target: 0, scrape(vllm(generated: 3000, hits: 60, queries: 200, e2eBelow1: 10, e2eTotal: 110)), at: 102)
        let s = a.snapshot(at: 102)
        let n0 = s.nodes[0], n1 = s.nodes[1]
        #expect(n0.state == .up && n0.engine == "vllm" && n0.model == "m")
        #expect(n0.running == 12 && n0.waiting == 3 && n0.kvCacheUsage == 0.5)
        #expect(n0.tokensPerSecond == 1000)                   // 2000 tokens in 2 s
        #expect(n0.prefixCacheHitRate == 0.5)                 // 50 hits of 100 queries in the interval
        #expect(n1.state == .down && n1.stateReason == "connection refused")
        #expect(s.pools.first?.nodesUp == 1 && s.pools.first?.running == 12)
        // The window's 100 new requests all took 1-4 s: p95 inside that bucket, over the SLO.
        let p95 = s.latency.first?.e2e.p95 ?? 0
        #expect(p95 > 1 && p95 <= 4)
        #expect(s.latency.first?.breached.count == 1)
        #expect(s.events.contains { $0.message == "node vllm-1 down: connection refused" })
        #expect(s.source.kind == .scrape)
        let src = s.sources
        #expect(src.map(\.id) == ["vllm-0", "vllm-1"])
        #expect(src[0].stack == "vllm" && src[0].state == .up && src[0].lastSuccessAge == 0 && src[0].scrapes == 2)
        #expect(src[1].state == .down && src[1].lastSuccessAge == nil && src[1].failures == 1)
    }

    @Test func absurdGaugeValuesAreDrawableNotATrap() {
        let a = FleetAggregator(config: config(), name: "t", startTime: 0)
        a.ingest(target: 0, scrape("# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running NaN\n# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting 1e300\n"), at: 0)
        let n = a.snapshot(at: 0).nodes[0]
        #expect(n.running == 0 && n.waiting == 1_000_000_000)
        guard case .success(.node(let r)) = NDJSONRecordParser.parse(line: #"{"node":"a","running":1e300,"waiting":-5}"#) else {
            Issue.record("record refused"); return
        }
        #expect(r.running == 1_000_000_000 && r.waiting == 0)
    }

    @Test func aRestartedServerIsAResetNotNegativeThroughput() {
        let a = FleetAggregator(config: config(), name: "t", startTime: 0)
        a.ingest(target: 0, scrape(vllm(generated: 50_000, hits: 0, queries: 0, e2eBelow1: 0, e2eTotal: 0)), at: 0)
        a.ingest(target: 0, scrape(vllm(generated: 400, hits: 0, queries: 0, e2eBelow1: 0, e2eTotal: 0)), at: 1)
        #expect(a.snapshot(at: 1).nodes[0].tokensPerSecond == 400)
    }

    @Test func pricesGiveTheCostPanelItsFigures() throws {
        var c = config()
        c.pools[0].nodeHourPrice = 2.5
        c.apiBaseline = APIPrice(inputPerMillion: 1, outputPerMillion: 10)
        let a = FleetAggregator(config: c, name: "t", startTime: 0)
        a.ingest(target: 0, scrape(vllm(generated: 1000, hits: 0, queries: 0, e2eBelow1: 0, e2eTotal: 0)), at: 0)
        a.ingest(target: 0, scrape(vllm(generated: 3000, hits: 0, queries: 0, e2eBelow1: 0, e2eTotal: 0)), at: 2)
        let cost = try #require(a.snapshot(at: 2).cost.pools.first { $0.pool == "chat" })
        #expect(cost.dollarsPerHour == 5)                       // two nodes bill, answering or not
        #expect(abs(cost.apiBaselinePerHour - 36) < 1e-9)       // 1,000 output tok/s at $10 per million
        let doc = try YAMLValue.parse("""
            pools: [{id: chat, node_hour_price: 2.5}]
            api_baseline: {input_per_million: 0.15, output_per_million: 0.6}
            """, file: "c.yaml")
        let read = try WatchConfig.read(doc)
        #expect(read.pools.first?.nodeHourPrice == 2.5 && read.apiBaseline?.outputPerMillion == 0.6)
    }

    /// Two engines behind one server; engine 1 restarts while engine 0 keeps counting. The sum
    /// went down (3,000 to 2,510), yet the truth is 500 + 10 new tokens, not 2,510.
    @Test func oneEngineRestartingIsItsOwnReset() {
        func page(_ e0: Int, _ e1: Int) -> String {
            """
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0"} 1
            vllm:num_requests_running{engine="1"} 1
            # TYPE vllm:generation_tokens counter
            vllm:generation_tokens_total{engine="0",pid="101"} \(e0)
            vllm:generation_tokens_total{engine="1",pid="\(e1 < 100 ? 202 : 201)"} \(e1)
            """
        }
        let a = FleetAggregator(config: config(), name: "t", startTime: 0)
        a.ingest(target: 0, scrape(page(1000, 2000)), at: 0)
        a.ingest(target: 0, scrape(page(1500, 10)), at: 1)
        #expect(a.snapshot(at: 1).nodes[0].tokensPerSecond == 510)
        // Both growing: the plain difference, and a new pid (volatile) is not a new series.
        a.ingest(target: 0, scrape(page(1600, 30)), at: 2)
        #expect(a.snapshot(at: 2).nodes[0].tokensPerSecond == 120)
    }

    @Test func unknownPayloadsMarkTheTargetDownWithTheReason() {
        let a = FleetAggregator(config: config(), name: "t", startTime: 0)
        a.ingest(target: 0, scrape("some_other_metric 1\n"), at: 0)
        let n = a.snapshot(at: 0).nodes[0]
        #expect(n.state == .down && n.stateReason == "no known serving stack in 1 samples")
        a.ingest(target: 1, scrape("garbage {{{\n"), at: 0)
        #expect(a.snapshot(at: 0).nodes[1].stateReason?.hasPrefix("parse error at line 1") == true)
    }
}

@Suite struct ScrapeScheduleTests {
    @Test func backsOffExponentiallyToAMinuteWithJitter() {
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 0, jitter: 0) == 1)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 1, jitter: 0) == 2)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 3, jitter: 0) == 8)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 40, jitter: 0) == 60)
        #expect(ScrapeSchedule.delay(interval: 120, consecutiveFailures: 2, jitter: 0) == 120)  // never below the interval
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 0, jitter: 1) == 1.1)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 0, jitter: -5) == 0.9)
    }
}

@Suite struct CredentialTests {
    @Test func redisPasswordsComeFromAFileAndAUsernameNeedsOne() throws {
        let path = NSTemporaryDirectory() + "fleetdeck-redis-\(getpid())"
        try "hunter2\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let c = try WatchConfig.read(YAMLValue.parse("""
            redis: [{address: "127.0.0.1:6379", pool: chat, username: fleetdeck, password_file: \(path)}]
            """, file: "c.yaml"))
        #expect(c.redis.first?.password == "hunter2" && c.redis.first?.username == "fleetdeck")
        #expect(throws: ConfigFileError.self) {
            try WatchConfig.read(YAMLValue.parse("redis: [{address: \"127.0.0.1:6379\", username: u}]", file: "c.yaml"))
        }
    }

    @Test func tokensComeFromFilesOrTheEnvironmentNeverTheConfig() throws {
        let path = NSTemporaryDirectory() + "fleetdeck-token-\(getpid())"
        try "s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        setenv("FLEETDECK_TEST_PASSWORD", "pw", 1)
        let doc = try YAMLValue.parse("""
            targets:
              - {url: "http://a/metrics", node: a, bearer_token_file: "\(path)"}
              - {url: "http://b/metrics", node: b, basic_auth: {username: ops, password_env: FLEETDECK_TEST_PASSWORD}}
              - {url: "http://c/metrics", node: c}
            """, file: "c.yaml")
        let c = try WatchConfig.read(doc)
        #expect(c.targets[0].authorization == "Bearer s3cret")
        #expect(c.targets[1].authorization == "Basic " + Data("ops:pw".utf8).base64EncodedString())
        #expect(c.targets[2].authorization == nil)
        let missing = try YAMLValue.parse("targets:\n  - {url: \"http://a/m\", bearer_token_env: FLEETDECK_UNSET_VARIABLE}\n", file: "c.yaml")
        let e = #expect(throws: ConfigFileError.self) { try WatchConfig.read(missing) }
        #expect(e?.message == "$FLEETDECK_UNSET_VARIABLE is not set")
    }
}

@Suite struct SourceKindTests {
    @Test func oneKindOfSourcePerConfig() throws {
        let doc = try YAMLValue.parse("""
            prometheus: {url: "http://p:9090"}
            targets: [{url: "http://a/metrics"}]
            """, file: "c.yaml")
        let e = #expect(throws: ConfigFileError.self) { try WatchConfig.read(doc) }
        #expect(e?.message.contains("one kind of source") == true)
        let streams = try WatchConfig.read(try YAMLValue.parse("streams: {files: [a.ndjson], listen_port: 7070}\n", file: "c.yaml"))
        #expect(streams.streamFiles == ["a.ndjson"] && streams.streamPort == 7070)
    }
}

@Suite struct HostileInputTests {
    @Test func credentialsInURLsNeverReachTheScreen() {
        #expect(WatchConfig.redacted("http://ops:s3cret@10.0.0.7:8000/metrics") == "http://10.0.0.7:8000/metrics")
        #expect(WatchConfig.redacted("http://10.0.0.7:8000/metrics") == "http://10.0.0.7:8000/metrics")
    }

    @Test func nonFiniteBucketBoundsAreSkipped() {
        let e = PrometheusTextParser.parse("""
            # TYPE h histogram
            h_bucket{le="NaN"} 5
            h_bucket{le="-Inf"} 1
            h_bucket{le="1"} 2
            h_bucket{le="+Inf"} 4
            """)
        let h = Histogram.from(e.family("h")!)
        #expect(h?.buckets.map(\.upperBound) == [1, .infinity])
        #expect(h?.quantile(0.5) == 1)
    }

    @Test func downNodesStopCountingInThePool() {
        var c = WatchConfig()
        c.targets = [.init(url: "http://a/m", node: "a", pool: "p")]
        let a = FleetAggregator(config: c, name: "t", startTime: 0)
        let body = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 7\n# TYPE vllm:request_success_total counter\nvllm:request_success_total "
        a.ingest(target: 0, TargetScrape(.success(.init(body: Array((body + "10\n").utf8), openMetrics: false, duration: 0))), at: 0)
        a.ingest(target: 0, TargetScrape(.success(.init(body: Array((body + "20\n").utf8), openMetrics: false, duration: 0))), at: 1)
        #expect(a.snapshot(at: 1).pools[0].completionRate == 10)
        for t in 2...4 { a.ingest(target: 0, .failed("HTTP 503"), at: Double(t)) }
        let s = a.snapshot(at: 4)
        #expect(s.nodes[0].state == .down && s.pools[0].completionRate == 0 && s.pools[0].running == 0)
    }
}

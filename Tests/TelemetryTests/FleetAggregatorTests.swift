@testable import MetricsFormats
import FleetCore
import Foundation
import MetricsFormats
import Testing
@testable import Telemetry

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

    func llamaCpp(predicted: Double, seconds: Double) -> String {
        """
        # TYPE llamacpp:tokens_predicted_total counter
        llamacpp:tokens_predicted_total \(predicted)
        # TYPE llamacpp:tokens_predicted_seconds_total counter
        llamacpp:tokens_predicted_seconds_total \(seconds)
        # TYPE llamacpp:requests_processing gauge
        llamacpp:requests_processing 2
        # TYPE llamacpp:requests_deferred gauge
        llamacpp:requests_deferred 0
        """
    }

    /// llama.cpp exports only seconds and tokens: the pool's TPOT is their mean over the
    /// window, and an objective on the mean is judged on it (no quantiles to judge).
    @Test func llamaCppTimePerOutputTokenIsAMeanAndBreachesAMeanObjective() {
        var c = WatchConfig()
        c.targets = [.init(url: "http://a/metrics", node: "l-0", pool: "smol"), .init(url: "http://b/metrics", node: "l-1", pool: "smol")]
        c.pools = [.init(id: "smol", objectives: [SLOObjective(metric: .tpot, percentile: 0, target: 0.03),
                                                  SLOObjective(metric: .tpot, percentile: 95, target: 0.03)])]
        let a = FleetAggregator(config: c, name: "t", startTime: 0)
        // Node 0: 100 tokens in 2 s (20 ms each); node 1: 300 tokens in 18 s (60 ms each).
        a.ingest(target: 0, scrape(llamaCpp(predicted: 1000, seconds: 20)), at: 0)
        a.ingest(target: 1, scrape(llamaCpp(predicted: 500, seconds: 10)), at: 0)
        a.ingest(target: 0, scrape(llamaCpp(predicted: 1100, seconds: 22)), at: 1)
        a.ingest(target: 1, scrape(llamaCpp(predicted: 800, seconds: 28)), at: 1)
        let s = a.snapshot(at: 1)
        let tpot = s.latency.first?.tpot
        #expect(abs((tpot?.mean ?? 0) - 20.0 / 400) < 1e-12 && tpot?.p95 == nil)
        #expect(s.latency.first?.ttft == Quantiles())
        let later = (2...5).map { a.snapshot(at: Double($0)) }.last!
        #expect(later.latency.first?.breached == [SLOObjective(metric: .tpot, percentile: 0, target: 0.03)])
        #expect(later.events.contains { $0.kind == .sloBreach && $0.message == "SLO breach on smol: tpot mean 50ms > 30ms" })
    }

    /// llama.cpp's `/slots` (a real server's page, two slots busy): the slot count and the
    /// context they split become the node's slots and KV cache, kept between the scrapes that
    /// read it; a page that is no slot list is refused with the reason, never a trap.
    @Test func llamaCppSlotsGiveTheNodesSlotsAndItsCacheAndHostilePagesAReason() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sample-data/telemetry/llamacpp-slots.json").path
        let page = try String(contentsOfFile: path, encoding: .utf8)
        let slots = try LlamaCppSlots.parse(Array(page.utf8), source: "http://l/slots").get()
        #expect(slots == LlamaCppSlots(count: 2, contextPerSlot: 512, processing: 2))
        #expect(LlamaCppSlots.url(besides: "https://10.0.0.7:8080/metrics?x=1") == "https://10.0.0.7:8080/slots")

        for (body, reason) in [("", "not JSON"), ("{\"error\": {\"code\": 501}}", "not a list of slots"), ("[]", "0 slots"),
                               ("[1, 2]", "slot 0 is not an object"), ("[{\"n_ctx\": 1e300}]", ""),
                               (String(repeating: " ", count: LlamaCppSlots.maxBytes + 1), "is not a slot list")] {
            switch LlamaCppSlots.parse(Array(body.utf8), source: "http://l/slots") {
            case .success(let s): #expect(reason.isEmpty && s.contextPerSlot == nil, "\(s)")
            case .failure(let e): #expect(!reason.isEmpty && e.description.contains("http://l/slots") && e.description.contains(reason), "\(e)")
            }
        }

        var c = WatchConfig()
        c.targets = [.init(url: "http://a/metrics", node: "l-0", pool: "smol")]
        let a = FleetAggregator(config: c, name: "t", startTime: 0)
        guard case .reading(var r, let stack, let parse, let d) = scrape(llamaCpp(predicted: 10, seconds: 1)) else {
            Issue.record("llama.cpp page not read"); return
        }
        r.slots = slots
        a.ingest(target: 0, .reading(r, stack: stack, parse: parse, duration: d), at: 0)
        a.ingest(target: 0, scrape(llamaCpp(predicted: 20, seconds: 2)), at: 1)     // a scrape that did not read /slots
        let node = try #require(a.snapshot(at: 1).nodes.first)
        #expect(node.slots == 2 && node.kvCacheTokens == 1024)
    }

    func vllmRequests(ok: Double, aborted: Double) -> String {
        """
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="m"} 1
        # TYPE vllm:request_success counter
        vllm:request_success_total{finished_reason="stop",model_name="m"} \(ok)
        vllm:request_success_total{finished_reason="abort",model_name="m"} \(aborted)
        # TYPE vllm:num_preemptions counter
        vllm:num_preemptions_total{model_name="m"} \(aborted * 2)
        """
    }

    /// Aborted requests over finished ones across the pool and the window: the error rate an
    /// `error_rate` objective is judged on; preemptions summed over the nodes.
    @Test func errorRateOverThePoolAndAnObjectiveOnIt() {
        var c = config()
        c.pools = [.init(id: "chat", objectives: [SLOObjective(metric: .errorRate, percentile: 0, target: 0.05)])]
        let a = FleetAggregator(config: c, name: "t", startTime: 0)
        a.ingest(target: 0, scrape(vllmRequests(ok: 100, aborted: 0)), at: 0)
        a.ingest(target: 1, scrape(vllmRequests(ok: 100, aborted: 0)), at: 0)
        a.ingest(target: 0, scrape(vllmRequests(ok: 190, aborted: 10)), at: 1)    // 10 of 100 aborted
        a.ingest(target: 1, scrape(vllmRequests(ok: 200, aborted: 0)), at: 1)     // none of 100
        let s = a.snapshot(at: 1)
        #expect(s.pools.first?.errorRate == 0.05)
        #expect(s.pools.first?.arrivalRate == 200)
        #expect(s.pools.first?.preemptionsPerSecond == 20)
        a.ingest(target: 0, scrape(vllmRequests(ok: 280, aborted: 20)), at: 2)
        a.ingest(target: 1, scrape(vllmRequests(ok: 300, aborted: 0)), at: 2)
        let later = (2...6).map { a.snapshot(at: Double($0)) }.last!
        #expect(later.pools.first?.errorRate == 0.05)
        // At the target is not over it: a 5% objective holds at exactly 5%.
        #expect(later.latency.first?.breached.isEmpty == true)
        a.ingest(target: 0, scrape(vllmRequests(ok: 280, aborted: 120)), at: 7)
        a.ingest(target: 1, scrape(vllmRequests(ok: 300, aborted: 0)), at: 7)
        let breached = (7...11).map { a.snapshot(at: Double($0)) }.last!
        #expect(breached.events.contains { $0.message == "SLO breach on chat: error_rate 24.00% > 5.00%" }, "\(breached.events.map(\.message))")
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
        // Over the SLO, but a breach is reported only after five ticks of it (SLOTracker).
        #expect(s.latency.first?.breached.isEmpty == true)
        let later = (103...106).map { a.snapshot(at: Double($0)) }.last!
        #expect(later.latency.first?.breached.count == 1)
        #expect(later.events.contains { $0.kind == .sloBreach && $0.message.hasPrefix("SLO breach on chat: e2e p95") })
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

    @Test func aTargetThatStopsAnsweringTurnsStaleWhateverItsFetchIsDoing() {
        // No failure ever arrives (the fetch hangs): the snapshot alone bounds the "up".
        let a = FleetAggregator(config: config(), name: "t", startTime: 0)
        let page = vllm(generated: 1000, hits: 0, queries: 0, e2eBelow1: 0, e2eTotal: 0)
        a.ingest(target: 0, scrape(page), at: 1)
        #expect(a.snapshot(at: 2).nodes.first { $0.id == "vllm-0" }?.state == .up)
        let late = a.snapshot(at: 1 + a.staleAfter + 1)
        let node = late.nodes.first { $0.id == "vllm-0" }
        #expect(node?.state == .stale)
        #expect(node?.stateReason?.contains("no answer for") == true, "\(String(describing: node?.stateReason))")
        #expect(late.events.contains { $0.message.hasPrefix("node vllm-0 stale") })
        #expect(late.sources.first { $0.id == "vllm-0" }?.state == .stale)
        // An answer brings it back, and says so once.
        a.ingest(target: 0, scrape(page), at: 10)
        let back = a.snapshot(at: 10.5)
        #expect(back.nodes.first { $0.id == "vllm-0" }?.state == .up)
        #expect(back.events.filter { $0.message.hasPrefix("node vllm-0 up") }.count == 2)
    }
}

import FleetdeckTestSupport
@testable import MetricsFormats
import Foundation
import Testing
@testable import Telemetry

@Suite struct MappingTests {
    func reading(_ file: String, format: PrometheusTextParser.Format = .prometheusText) throws -> (any MetricsMapping, EngineReading) {
        let e = PrometheusTextParser.parse(try Samples.bytes(file), format: format)
        guard let m = MetricsMappings.detect(e) else { throw MappingTestError.notDetected(file) }
        return (m, m.read(e))
    }

    @Test(arguments: [("vllm-v1.prom", Stack.vllm), ("sglang.prom", .sglang), ("tgi.prom", .tgi), ("llamacpp.prom", .llamacpp),
                      ("triton.prom", .triton), ("dcgm.prom", .dcgm), ("litellm.prom", .litellm)])
    func eachStackIsDetected(_ file: String, _ stack: Stack) throws {
        #expect(try reading(file).0.stack == stack)
    }

    @Test func vllmV1() throws {
        let r = try reading("vllm-v1.prom").1
        #expect(r.models == ["meta-llama/Llama-3.1-8B-Instruct"])
        #expect(r.gauges[.running] == 41 && r.gauges[.waiting] == 6)
        #expect(r.gauges[.kvCacheUsage] == 0.7342529296875)
        #expect(r.counters[.prefixCacheHits] == 5.4392832e+07 && r.counters[.prefixCacheQueries] == 8.9214377e+07)
        #expect(r.counters[.generationTokens] == 1.494631e+07)
        #expect(r.counters[.preemptions] == 137)
        // Finished requests split by finished_reason: abort and error are failures.
        #expect(r.counters[.requestsSucceeded] == 45902 + 2287 && r.counters[.requestsFailed] == 21)
        let ttft = try #require(r.latencies[.timeToFirstToken])
        #expect(ttft.count == 48210)
        // Rank 24105 of 48210 falls in (0.1, 0.25]: 0.1 + 0.15 * (24105 - 11467) / (29880 - 11467).
        let p50 = try #require(ttft.quantile(0.5))
        let expected: Double = 0.1 + 0.15 * (24105.0 - 11467.0) / (29880.0 - 11467.0)
        #expect(abs(p50 - expected) < 1e-12)
    }

    @Test func theOpenMetricsScrapeReadsTheSame() throws {
        let text = try reading("vllm-v1.prom").1
        let om = try reading("vllm-v1.openmetrics.txt", format: .openMetrics).1
        #expect(om.gauges == text.gauges)
        #expect(om.counters == text.counters)
        #expect(om.latencies[.timeToFirstToken] == text.latencies[.timeToFirstToken])
    }

    @Test func theUnderscoreSpellingOfVLLMNamesIsUnderstood() throws {
        let text = String(decoding: try Samples.bytes("vllm-v1.prom"), as: UTF8.self).replacingOccurrences(of: "vllm:", with: "vllm_")
        let e = PrometheusTextParser.parse(text)
        let m = MetricsMappings.detect(e)
        #expect(m?.stack == .vllm)
        #expect(m?.read(e).gauges[.running] == 41)
    }

    @Test func sglangIgnoresThePidLabel() throws {
        let r = try reading("sglang.prom").1
        #expect(r.gauges[.running] == 118 && r.gauges[.waiting] == 23)
        #expect(r.gauges[.kvCacheUsage] == 0.81)
        #expect(r.counters[.prefixCacheHits] == 6.3015936e+07 && r.counters[.prefixCacheQueries] == 1.04893056e+08)
        #expect(r.counters[.preemptions] == 57)
        #expect(r.latencies[.endToEnd]?.quantile(0.5) != nil)
    }

    @Test func tgiDerivesTokensAndKVFromItsHistogramsAndBatch() throws {
        let r = try reading("tgi.prom").1
        #expect(r.gauges[.running] == 32 && r.gauges[.waiting] == 4)
        #expect(abs(r.gauges[.kvCacheUsage]! - 64211.0 / 155632.0) < 1e-12)
        #expect(r.counters[.generationTokens] == 5728475.279524312)
        #expect(r.counters[.promptTokens] == 18393922.847496435)
        #expect(r.counters[.requestsSucceeded] == 20112)
        // Request lengths in tokens, for the twin's spread: the mean is the sum over the count.
        let input = try #require(r.latencies[.promptLength]?.quantiles)
        #expect(abs(input.mean! - 18393922.847496435 / 20112) < 1e-9)
        #expect(r.latencies[.outputLength]?.quantiles.p50 != nil)
    }

    @Test func vllmRequestLengthsAreHistogramsInTokens() throws {
        let r = try reading("vllm-v1.prom").1
        // cache_config_info: 27431 blocks of 16 tokens.
        #expect(r.kvCacheTokens == 27431 * 16)
        let prompt = try #require(r.latencies[.promptLength]?.quantiles)
        #expect(abs(prompt.mean! - 8.9214377e+07 / 48210) < 1e-6)
        let output = try #require(r.latencies[.outputLength]?.quantiles)
        #expect(abs(output.mean! - 1.494631e+07 / 48210) < 1e-6)
        #expect(try #require(output.p50) < #require(output.p90))
    }

    @Test func llamaCpp() throws {
        let r = try reading("llamacpp.prom").1
        #expect(r.gauges[.running] == 3 && r.gauges[.waiting] == 1)
        #expect(r.counters[.promptTokens] == 3.84512e+06 && r.counters[.generationTokens] == 912377)
        // Only sums and counts: a mean time per output token (10893.4 s over 912377 tokens), no quantiles.
        let tpot = try #require(r.latencies[.interToken])
        #expect(r.latencies.count == 1 && tpot.quantiles.p50 == nil)
        #expect(abs(tpot.quantiles.mean! - 10893.4 / 912377) < 1e-12)
    }

    @Test func tritonTensorRTLLM() throws {
        let r = try reading("triton.prom").1
        #expect(r.gauges[.waiting] == 9 && r.gauges[.running] == 61)
        #expect(abs(r.gauges[.kvCacheUsage]! - 5248.0 / 6232.0) < 1e-12)
        #expect(r.counters[.requestsSucceeded] == 8804)
        let ttft = try #require(r.latencies[.timeToFirstToken])
        #expect(ttft.buckets.dropLast().allSatisfy { $0.upperBound < 100 })   // milliseconds became seconds
        #expect(r.gpus.first?.utilization == 0.9399999999999999)
    }

    @Test func dcgmUnits() throws {
        let r = try reading("dcgm.prom").1
        #expect(r.gpus.count == 3)
        let g0 = try #require(r.gpus.first { $0.index == 0 })
        #expect(g0.utilization == 0.97)
        #expect(g0.memoryUsedGiB == 73593.0 / 1024)
        let boardMiB: Double = 73593 + 7413 + 553
        #expect(g0.memoryTotalGiB == boardMiB / 1024)
        #expect(g0.powerWatts == 512.343)
        #expect(g0.temperatureC == 51)
        #expect(g0.name == "NVIDIA H100 80GB HBM3")
    }

    @Test func liteLLMSpendAndCache() throws {
        let r = try reading("litellm.prom").1
        let spend: Double = 3.904181 + 61.22874
        #expect(abs(r.counters[.spendDollars]! - spend) < 1e-9)
        #expect(r.counters[.responseCacheHits] == 7530 && r.counters[.responseCacheMisses] == 20531)
        #expect(!r.models.contains("None"))
        #expect(r.latencies[.endToEnd] != nil)
    }
}

enum MappingTestError: Error { case notDetected(String) }

/// A node's page read for the console's inspection: every series, the engine's configuration,
/// the problems, and llama.cpp's /props, all made safe for a terminal.
@Suite struct TargetInspectorTests {
    @Test func aVLLMPageListsItsSeriesAndItsCacheConfiguration() throws {
        let i = TargetInspector.read(try Samples.bytes("vllm-v1.prom"), node: "vllm-0", source: "http://a/metrics", openMetrics: false, fetchedAt: 0)
        #expect(i.summary.contains("stack: vLLM") || i.summary.contains { $0.hasPrefix("stack: vllm") || $0.hasPrefix("stack: vLLM") }, "\(i.summary)")
        #expect(i.series.contains("vllm:num_requests_running{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 41"), "\(i.series.prefix(5))")
        #expect(i.configuration.contains { $0.key == "num_gpu_blocks" && $0.value == "27431" })
        #expect(i.problems.isEmpty && i.failure == nil)
    }

    @Test func aMalformedPageNamesItsLinesAndEscapesNeverPass() throws {
        let body = Array("# TYPE x gauge\nx{a=\"\u{1b}[31mred\"} 1\nx{ 2\nok 3\n".utf8)
        let i = TargetInspector.read(body, node: "n", source: "s", openMetrics: false, fetchedAt: 0)
        #expect(i.problems.contains { $0.hasPrefix("line 3:") }, "\(i.problems)")
        #expect(i.series.allSatisfy { !$0.contains("\u{1b}") } && i.series.contains("ok 3"))
    }

    @Test func llamaCppPropsBecomeConfigurationAndBadOnesSaySo() {
        let props = Array(#"{"total_slots": 2, "model_path": "/m/smol\u001b[2J.gguf", "default_generation_settings": {"n_ctx": 1024, "params": {"top_k": 40}}, "chat_template": null}"#.utf8)
        let c = TargetInspector.llamaCppProps(props)
        #expect(c.contains { $0.key == "total_slots" && $0.value == "2" })
        #expect(c.contains { $0.key == "default_generation_settings.n_ctx" && $0.value == "1024" })
        #expect(c.contains { $0.key == "default_generation_settings.params.top_k" })
        #expect(c.first { $0.key == "model_path" }.map { !$0.value.contains("\u{1b}") } == true)
        #expect(TargetInspector.llamaCppProps(Array("<html>".utf8)).first?.value == "not a JSON object")
        #expect(TargetInspector.propsURL("http://h:8080/metrics") == "http://h:8080/props")
        #expect(TargetInspector.propsURL("http://h:8080/x/metrics?a=1") == "http://h:8080/x/props")
    }
}

import FleetdeckTestSupport
@testable import MetricsFormats
import Foundation
import Testing

@Suite struct PrometheusTextParserSampleTests {
    @Test(arguments: ["vllm-v1.prom", "sglang.prom", "tgi.prom", "llamacpp.prom", "triton.prom", "dcgm.prom", "litellm.prom"])
    func realExporterPayloadsParseWithoutIssues(_ file: String) throws {
        let e = PrometheusTextParser.parse(try Samples.bytes(file))
        #expect(e.issues == [], "\(e.issues.prefix(3))")
        #expect(e.sampleCount > 10)
        #expect(e.families.allSatisfy { !$0.samples.isEmpty || $0.help != nil })
    }

    @Test func vllmGroupsByTypeNotBySuffix() throws {
        let e = PrometheusTextParser.parse(try Samples.bytes("vllm-v1.prom"))
        let hist = try #require(e.family("vllm:iteration_tokens_total"))
        #expect(hist.type == .histogram)
        #expect(hist.samples.contains { $0.name == "vllm:iteration_tokens_total_bucket" && $0.label("le") == "+Inf" })
        #expect(hist.samples.contains { $0.name == "vllm:iteration_tokens_total_sum" })
        let waiting = try #require(e.family("vllm:num_requests_waiting"))
        #expect(waiting.type == .gauge)
        #expect(waiting.samples.first?.label("model_name") == "meta-llama/Llama-3.1-8B-Instruct")
    }

    @Test func openMetricsWithCreatedSamplesAnExemplarAndEOF() throws {
        let e = PrometheusTextParser.parse(try Samples.bytes("vllm-v1.openmetrics.txt"), format: .openMetrics)
        #expect(e.issues == [], "\(e.issues.prefix(3))")
        let hits = try #require(e.family("vllm:prefix_cache_hits"))
        #expect(hits.type == .counter)
        #expect(Set(hits.samples.map(\.name)) == ["vllm:prefix_cache_hits_total", "vllm:prefix_cache_hits_created"])
        #expect(hits.samples.first { $0.name.hasSuffix("_total") }?.value == 5.4392832e+07)
        let ttft = try #require(e.family("vllm:time_to_first_token_seconds"))
        let withExemplar = try #require(ttft.samples.first { $0.exemplar != nil })
        #expect(withExemplar.exemplar?.labels == [Label("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")])
        #expect(withExemplar.exemplar?.value == 0.1874)
        #expect(withExemplar.exemplar?.timestamp == 1760007598.412)
    }

    @Test func tgiCountersWithoutTotalAndRustFloats() throws {
        let e = PrometheusTextParser.parse(try Samples.bytes("tgi.prom"))
        #expect(e.family("tgi_request_count")?.type == .counter)
        #expect(e.family("tgi_request_count")?.samples.first?.value == 20331)
        let batch = try #require(e.family("tgi_batch_next_size"))
        #expect(batch.samples.filter { $0.name.hasSuffix("_bucket") }.count >= 1024)
        #expect(e.family("tgi_request_skipped_tokens")?.type == .summary)
    }

    @Test func sglangMultiprocessOrderStaysInOneFamily() throws {
        let e = PrometheusTextParser.parse(try Samples.bytes("sglang.prom"))
        let fams = e.families.filter { $0.name.hasPrefix("sglang:e2e_request_latency_seconds") }
        #expect(fams.count == 1)
        #expect(fams[0].type == .histogram)
    }

    @Test func llamaCppSixDigitFloats() throws {
        let e = PrometheusTextParser.parse(try Samples.bytes("llamacpp.prom"))
        #expect(e.families.contains { $0.samples.contains { $0.value == 3.84512e+06 } } || e.sampleCount > 0)
        #expect(e.families.allSatisfy { $0.samples.allSatisfy { $0.labels.isEmpty } })
    }
}

import Foundation
import MetricsFormats
import Testing
@testable import Telemetry

@Suite struct MetricsCheckTests {
    func sample(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sample-data/telemetry/\(name)")
        return Array(try Data(contentsOf: url))
    }

    @Test func detectsEachFormat() throws {
        #expect(MetricsCheck.detect(try sample("vllm-v1.prom")) == .prometheus)
        #expect(MetricsCheck.detect(try sample("vllm-v1.openmetrics.txt")) == .openmetrics)
        #expect(MetricsCheck.detect(try sample("redis-info.txt")) == .redis)
        #expect(MetricsCheck.detect(Array(#"{"node":"a","pool":"p","running":3}"#.utf8)) == .ndjson)
        #expect(MetricsCheck.detect(Array("x 1\n".utf8), contentType: "application/openmetrics-text; version=1.0.0") == .openmetrics)
    }

    @Test func reportsConceptsOfACleanScrape() throws {
        let r = MetricsCheck.check(try sample("sglang.prom"), source: "sglang.prom")
        #expect(r.stack == "SGLang")
        #expect(!r.hasErrors)
        #expect(r.concepts.contains { $0.name == "running requests" })
        #expect(r.text.contains("problems: none"))
    }

    @Test func listsEveryProblemWithItsLine() throws {
        let r = MetricsCheck.check(try sample("malformed.prom"), source: "malformed.prom")
        #expect(r.hasErrors)
        #expect(r.problems.contains { $0.line == 34 && $0.message.contains("invalid value") })
        // Control characters in the payload never reach the printed report raw.
        #expect(!r.text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func ndjsonLinesAreCheckedOneByOne() {
        let text = #"""
            {"node":"a","pool":"p","running":3}
            {"node":
            {"type":"event","message":"deploy done","severity":"info"}
            """#
        let r = MetricsCheck.check(Array(text.utf8), source: "s.ndjson")
        #expect(r.format == .ndjson)
        #expect(r.problems.map(\.line) == [2])
        #expect(r.concepts.first { $0.name == "nodes" }?.value == "1")
    }

    @Test func aHistogramCountThatIsNotANumberOrHugeIsShown() {
        for count in ["NaN", "9.3e18", "+Inf"] {
            let page = """
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{model_name="m"} 1
                # TYPE vllm:e2e_request_latency_seconds histogram
                vllm:e2e_request_latency_seconds_bucket{model_name="m",le="1.0"} 5
                vllm:e2e_request_latency_seconds_bucket{model_name="m",le="+Inf"} 9
                vllm:e2e_request_latency_seconds_sum{model_name="m"} 7
                vllm:e2e_request_latency_seconds_count{model_name="m"} \(count)

                """
            let r = MetricsCheck.check(Array(page.utf8), source: "t.prom")
            #expect(r.text.contains("observations since start"), "\(count): \(r.text)")
        }
    }
}

import FleetdeckTestSupport
@testable import MetricsFormats
import Foundation
import Testing

@Suite struct PrometheusQueryParserTests {
    @Test func vector() throws {
        let r = try PrometheusQueryParser.parse(Data(try Samples.bytes("prometheus-query-vector.json")))
        guard case .vector(let series) = r.result else { Issue.record("not a vector"); return }
        #expect(series.count == 4)
        #expect(series[2].labels["instance"] == "vllm-llama31-8b-2.llm-serving:8000")
        #expect(series[2].points == [.init(time: 1760007600.5, value: 17)])
    }

    @Test func matrixWithNaNPoints() throws {
        let r = try PrometheusQueryParser.parse(Data(try Samples.bytes("prometheus-query-range-matrix.json")))
        guard case .matrix(let series) = r.result else { Issue.record("not a matrix"); return }
        #expect(series.count == 2)
        #expect(series[0].points.count == 11)
        #expect(series[0].points.filter { $0.value.isNaN }.count == 2)
        #expect(series[1].points.last?.value == 0.575)
    }

    @Test func errorsAndGarbage() {
        let err = Data(#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#.utf8)
        #expect(throws: PrometheusQueryError.server(type: "bad_data", message: "parse error at char 5")) {
            try PrometheusQueryParser.parse(err)
        }
        #expect(throws: PrometheusQueryError.self) { try PrometheusQueryParser.parse(Data("<html>502</html>".utf8)) }
        let badPoint = Data(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}"#.utf8)
        #expect(throws: PrometheusQueryError.self) { try PrometheusQueryParser.parse(badPoint) }
        let scalar = Data(#"{"status":"success","data":{"resultType":"scalar","result":[1760007600,"+Inf"]}}"#.utf8)
        #expect((try? PrometheusQueryParser.parse(scalar))?.result == .scalar(.init(time: 1760007600, value: .infinity)))
    }
}

@testable import MetricsFormats
import Foundation
import Testing
@testable import Telemetry

@Suite struct RedisInfoParserTests {
    @Test func parsesARealInfoReply() throws {
        let text = String(decoding: try Samples.bytes("redis-info.txt"), as: UTF8.self)
        let info = RedisInfoParser.parse(text)
        #expect(info.issues.isEmpty)
        #expect(info.fields["redis_version"] == "7.0.15")
        #expect(info.keyspaceHits == 48_211_903)
        #expect(info.keyspaceMisses == 19_874_022)
        #expect(abs(info.lifetimeHitRate! - 0.708) < 0.001)   // the README's 70.8 %
        #expect(info.keyspaces["db0"] == RedisInfo.Keyspace(keys: 1_843_120, expires: 1_843_090, averageTTLMilliseconds: 2_519_774))
        #expect(info.sections["Server"]?.first == "redis_version")
        #expect(info.fields.values.allSatisfy { !$0.hasSuffix("\r") })
    }

    @Test func hitRateComesFromDeltasAndSurvivesARestart() {
        let a = RedisInfoParser.parse("# Stats\r\nkeyspace_hits:100\r\nkeyspace_misses:100\r\n")
        let b = RedisInfoParser.parse("# Stats\r\nkeyspace_hits:190\r\nkeyspace_misses:110\r\n")
        #expect(CacheReading(b).hitRate(since: CacheReading(a)) == 0.9)
        #expect(CacheReading(b).hitRate(since: CacheReading(b)) == nil)                 // nothing looked up
        #expect(CacheReading(a).hitRate(since: CacheReading(b)) == nil)                 // counters went back: a restart
    }

    @Test func badLinesAreReportedByLine() {
        let info = RedisInfoParser.parse("# Server\nredis_version:7.0\ngarbage\n# Keyspace\ndb0:keys=x\n")
        #expect(info.issues.map(\.line) == [3, 5])
        #expect(info.fields["redis_version"] == "7.0")
    }
}

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

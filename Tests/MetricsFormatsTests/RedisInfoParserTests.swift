import FleetdeckTestSupport
@testable import MetricsFormats
import Foundation
import Testing

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

    @Test func badLinesAreReportedByLine() {
        let info = RedisInfoParser.parse("# Server\nredis_version:7.0\ngarbage\n# Keyspace\ndb0:keys=x\n")
        #expect(info.issues.map(\.line) == [3, 5])
        #expect(info.fields["redis_version"] == "7.0")
    }
}

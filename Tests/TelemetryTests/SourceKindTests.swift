@testable import MetricsFormats
import FleetCore
import Foundation
import Testing
@testable import Telemetry

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

@testable import MetricsFormats
import FleetCore
import Foundation
import Testing
@testable import Telemetry

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

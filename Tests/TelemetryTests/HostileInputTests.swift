@testable import MetricsFormats
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct HostileInputTests {
    @Test func credentialsInURLsNeverReachTheScreen() {
        #expect(WatchConfig.redacted("http://ops:s3cret@10.0.0.7:8000/metrics") == "http://10.0.0.7:8000/metrics")
        #expect(WatchConfig.redacted("http://10.0.0.7:8000/metrics") == "http://10.0.0.7:8000/metrics")
    }

    /// Histogram `h` of a payload of its bucket lines.
    func histogram(_ buckets: String) -> Histogram? {
        PrometheusTextParser.parse("# TYPE h histogram\n" + buckets).family("h").flatMap { Histogram.from($0) }
    }

    @Test func nonFiniteBucketBoundsAreSkipped() {
        let h = histogram("""
            h_bucket{le="NaN"} 5
            h_bucket{le="-Inf"} 1
            h_bucket{le="1"} 2
            h_bucket{le="+Inf"} 4
            """)
        #expect(h?.buckets.map(\.upperBound) == [1, .infinity])
        #expect(h?.quantile(0.5) == 1)
    }

    /// Two bounds that differ in milliseconds are one bound in seconds: merging windows keyed
    /// by bound must not trap on the pair.
    @Test func boundsThatMeetWhenScaledMergeIntoOne() {
        let h = histogram("""
            h_bucket{le="1e-322"} 1
            h_bucket{le="2e-322"} 2
            h_bucket{le="+Inf"} 3
            """)!.scaled(by: 0.001)
        #expect(h.buckets.map(\.upperBound) == [0, .infinity])
        #expect(h.buckets.map(\.count) == [2, 3])
        let merged = Histogram.merged([h, h.delta(since: h)])
        #expect(merged?.buckets.map(\.count) == [2, 3])
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

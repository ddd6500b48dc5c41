import FleetdeckTestSupport
@testable import MetricsFormats
import Foundation
import Testing
@testable import Telemetry

@Suite struct HistogramQuantileTests {
    func h(_ pairs: [(Double, Double)]) -> Histogram { Histogram(buckets: pairs.map { ($0.0, $0.1) }) }

    @Test func interpolatesInsideTheBucket() {
        let x = h([(1, 10), (2, 30), (.infinity, 40)])
        #expect(x.quantile(0.5) == 1.5)          // rank 20: halfway through (1, 2]
        #expect(x.quantile(0.25) == 1.0)         // rank 10: the top of the first bucket
        #expect(x.quantile(0.1) == 0.4)          // the first bucket starts at 0
    }

    @Test func aRankInTheInfBucketGivesTheHighestFiniteBound() {
        #expect(h([(1, 10), (2, 30), (.infinity, 40)]).quantile(0.99) == 2)
    }

    @Test func noInfBucketOrNoObservationsIsNoAnswer() {
        #expect(h([(1, 10), (2, 30)]).quantile(0.5) == nil)
        #expect(h([(1, 0), (.infinity, 0)]).quantile(0.5) == nil)
    }

    @Test func nonMonotonicCountsAreRepairedAsPrometheusDoes() {
        // malformed.prom CASE 25's shape: buckets out of order and a dip.
        let x = h([(0.5, 40), (0.1, 10), (1.0, 35), (.infinity, 44)])
        #expect(x.buckets.map(\.upperBound) == [0.1, 0.5, 1.0, .infinity])
        // Sorted and made cumulative: 10, 40, 40, 44. Rank 39.6 lies in (0.1, 0.5].
        let q = x.quantile(0.9)!
        #expect(abs(q - (0.1 + 0.4 * 29.6 / 30)) < 1e-12)
    }

    @Test func theSameBoundSpelledThreeWaysMerges() throws {
        let e = PrometheusTextParser.parse(try Samples.bytes("malformed.prom"))
        let f = try #require(e.family("fd_case26_seconds"))
        let x = try #require(Histogram.from(f))
        #expect(x.buckets.count == 2)
        #expect(x.quantile(0.5) == 2.0 / 3.0)
    }

    @Test func deltasGiveTheWindowAndResetsRestart() {
        let before = h([(1, 10), (.infinity, 10)])
        let after = h([(1, 10), (.infinity, 20)])
        #expect(after.delta(since: before).buckets.map(\.count) == [0, 10])
        #expect(after.delta(since: before).quantile(0.5) == 1)
        let restarted = h([(1, 3), (.infinity, 4)])
        #expect(restarted.delta(since: after) == restarted)
    }

    @Test func counterRatesSurviveResets() {
        #expect(CounterRate.rate(from: 100, to: 160, seconds: 2) == 30)
        #expect(CounterRate.rate(from: 1234, to: 10, seconds: 1) == 10)     // CASE 34: a restart, not -1224/s
        #expect(CounterRate.rate(from: 1, to: 2, seconds: 0) == nil)
    }
}

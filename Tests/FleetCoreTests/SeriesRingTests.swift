import Foundation
import Testing
@testable import FleetCore

@Suite struct SeriesRingTests {
    @Test func keepsTheNewestSamplesOldestFirst() {
        var r = SeriesRing(capacity: 3)
        #expect(r.isEmpty)
        #expect(r.last == nil)
        for v in 1...5 { r.append(Double(v)) }
        #expect(r.values == [3, 4, 5])
        #expect(r.count == 3)
        #expect(r.last == 5)
        #expect(r.suffix(2) == [4, 5])
    }

    @Test func partiallyFilledRingReportsWhatItHas() {
        var r = SeriesRing(capacity: 4)
        r.append(7)
        r.append(8)
        #expect(r.values == [7, 8])
        #expect(r.last == 8)
    }

    @Test func codableRoundTripKeepsOrderAndCapacity() throws {
        var r = SeriesRing(capacity: 3)
        for v in 1...4 { r.append(Double(v)) }
        let data = try JSONEncoder().encode(r)
        let back = try JSONDecoder().decode(SeriesRing.self, from: data)
        #expect(back.values == [2, 3, 4])
        #expect(back.capacity == 3)
        #expect(back == SeriesRing(capacity: 3, values: [2, 3, 4]))
    }

    @Test func decodingRejectsANonPositiveCapacity() {
        let json = Data(#"{"capacity":0,"values":[]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SeriesRing.self, from: json) }
    }

    @Test func equalityIsAboutTheSamplesNotTheLayout() {
        var wrapped = SeriesRing(capacity: 3)
        for v in 0...4 { wrapped.append(Double(v)) }   // storage [3, 4, 2], head 2
        #expect(wrapped == SeriesRing(capacity: 3, values: [2, 3, 4]))
        #expect(wrapped != SeriesRing(capacity: 4, values: [2, 3, 4]))
    }

    @Test func copiesAreIndependent() {
        var a = SeriesRing(capacity: 2)
        a.append(1)
        let b = a
        a.append(2)
        a.append(3)
        #expect(b.values == [1])
        #expect(a.values == [2, 3])
    }
}

@Suite struct LatencyHistogramTests {
    @Test func quantilesOfAUniformSpreadAreWithinBucketResolution() {
        var h = LatencyHistogram()
        for i in 1...1000 { h.record(Double(i) / 1000) }   // 1 ms ... 1 s
        let q = h.quantiles
        #expect(abs(q.p50! - 0.5) / 0.5 < 0.06)
        #expect(abs(q.p95! - 0.95) / 0.95 < 0.06)
        #expect(abs(q.p99! - 0.99) / 0.99 < 0.06)
        #expect(abs(h.mean! - 0.5005) < 1e-9)
    }

    @Test func emptyHistogramHasNoQuantiles() {
        #expect(LatencyHistogram().quantile(0.5) == nil)
        #expect(LatencyHistogram().quantiles == Quantiles())
    }

    @Test func slidingWindowForgetsSamplesOlderThanItsLength() {
        var w = SlidingLatencyWindow(seconds: 10)
        for t in 0..<10 { w.record(5.0, at: Double(t)) }
        #expect(w.window.total == 10)
        #expect(abs(w.window.quantile(0.5)! - 5) / 5 < 0.06)
        // Twenty seconds later the old samples are gone, only the new one counts.
        w.record(0.1, at: 30)
        #expect(w.window.total == 1)
        #expect(abs(w.window.quantile(0.5)! - 0.1) / 0.1 < 0.06)
    }

    @Test func slidingWindowExpiresOneSecondAtATime() {
        var w = SlidingLatencyWindow(seconds: 3)
        w.record(1, at: 0.5)
        w.record(1, at: 1.5)
        w.record(1, at: 2.5)
        #expect(w.window.total == 3)
        w.expire(upTo: 3)
        #expect(w.window.total == 2)
        w.expire(upTo: 5)
        #expect(w.window.total == 0)
    }

    @Test func breachesCompareTheObjectivesPercentile() {
        let objectives = [SLOObjective(metric: .e2e, percentile: 95, target: 2),
                          SLOObjective(metric: .ttft, percentile: 99, target: 0.5)]
        let e2e = Quantiles(p50: 1, p90: 1.5, p95: 2.5, p99: 3)
        let ttft = Quantiles(p50: 0.1, p90: 0.2, p95: 0.3, p99: 0.4)
        #expect(PoolLatency.breaches(of: objectives, ttft: ttft, e2e: e2e) == [objectives[0]])
        #expect(PoolLatency.breaches(of: objectives, ttft: ttft, e2e: Quantiles()) == [])
    }
}

@Suite struct RatioAndRateTests {
    @Test func ratioWindowCoversOnlyItsCapacity() {
        var r = RatioWindow(capacity: 2)
        #expect(r.ratio == nil)
        r.add(hits: 1, queries: 10)
        r.add(hits: 9, queries: 10)
        #expect(r.ratio == 0.5)
        r.add(hits: 10, queries: 10)   // the first sample falls out
        #expect(r.ratio == 0.95)
    }

    @Test func ewmaStartsAtTheFirstSampleAndConverges() {
        var e = EWMA(timeConstant: 10)
        e.update(100, dt: 1)
        #expect(e.value == 100)
        for _ in 0..<200 { e.update(0, dt: 1) }
        #expect(e.value < 0.001)
    }
}

@Suite struct EventBufferTests {
    @Test func keepsTheNewestInOrder() {
        var b = EventBuffer(capacity: 3)
        for i in 1...5 { b.append(FleetEvent(time: Double(i), severity: .info, kind: .note, message: "\(i)")) }
        #expect(b.newest(10).map(\.message) == ["3", "4", "5"])
        #expect(b.newest(2).map(\.message) == ["4", "5"])
    }
}

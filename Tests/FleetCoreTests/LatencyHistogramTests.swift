import Foundation
import Testing
@testable import FleetCore

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
}

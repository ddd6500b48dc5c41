import Foundation
import Testing
@testable import FleetCore

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

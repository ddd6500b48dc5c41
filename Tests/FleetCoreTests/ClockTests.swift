import Testing
@testable import FleetCore

@Suite struct ClockTests {
    @Test func virtualClockMovesOnlyWhenTold() {
        let c = VirtualClock(start: 10)
        #expect(c.now == 10)
        c.advance(by: 2.5)
        #expect(c.now == 12.5)
        c.set(100)
        #expect(c.now == 100)
    }

    @Test func wallClockIsMonotonic() {
        let c = WallClock()
        let a = c.now
        let b = c.now
        #expect(b >= a)
    }

    @Test func snapshotStoreHandsOverTheNewest() {
        let store = SnapshotStore()
        #expect(store.latest().version == 0)
        #expect(store.latest().snapshot == nil)
    }
}

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

import Foundation
import Testing
@testable import FleetCore

@Suite struct TieredSeriesTests {
    @Test func keepsFifteenMinutesOfSecondsAndMinuteMeansForADay() {
        var s = TieredSeries()
        // 25 hours at one sample per second: value = the minute's index.
        for t in 0..<(25 * 3600) { s.append(Double(t / 60), at: Double(t)) }
        #expect(s.values.count == 900)
        #expect(s.values.first == Double((25 * 3600 - 900) / 60))
        let minutes = s.minuteValues
        #expect(minutes.count == 1_441)   // 1,440 finished minutes and the one in progress
        #expect(minutes.last == Double(25 * 60 - 1))
        #expect(minutes[minutes.count - 2] == Double(25 * 60 - 2))
        #expect(minutes.first == Double(25 * 60 - 1_441))
    }

    @Test func minuteMeansAverageTheMinute() {
        var s = TieredSeries()
        for t in 0..<60 { s.append(t < 30 ? 0 : 1, at: Double(t)) }
        s.append(5, at: 60)
        #expect(s.minuteValues == [0.5, 5])
    }

    @Test func memoryIsFixedWhateverTheUptime() {
        #expect(TieredSeries().sampleBytes == (900 + 1_440) * 4)
        #expect(NodeHistory.sampleBytes == 5 * 9_360)
    }

    @Test func codableRoundTripIsExact() throws {
        var s = TieredSeries()
        for t in 0..<200 { s.append(Double(t % 7) / 3, at: Double(t)) }
        let back = try JSONDecoder().decode(TieredSeries.self, from: JSONEncoder().encode(s))
        #expect(back == s)
        var a = back, b = s
        a.append(1, at: 200)
        b.append(1, at: 200)
        #expect(a.minuteValues == b.minuteValues)
    }
}

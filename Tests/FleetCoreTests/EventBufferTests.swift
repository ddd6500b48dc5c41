import Foundation
import Testing
@testable import FleetCore

@Suite struct EventBufferTests {
    @Test func keepsTheNewestInOrder() {
        var b = EventBuffer(capacity: 3)
        for i in 1...5 { b.append(FleetEvent(time: Double(i), severity: .info, kind: .note, message: "\(i)")) }
        #expect(b.newest(10).map(\.message) == ["3", "4", "5"])
        #expect(b.newest(2).map(\.message) == ["4", "5"])
    }
}

import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct LineSplitterTests {
    @Test func keepsPartialLinesUntilTheyEnd() {
        var s = LineSplitter(maxLine: 16)
        #expect(s.feed(Array("ab".utf8)) == [])
        #expect(s.feed(Array("c\r\nde\n".utf8)) == [.line("abc"), .line("de")])
        #expect(s.feed(Array(String(repeating: "x", count: 40).utf8) + [0x0A] + Array("ok\n".utf8)) == [.tooLong, .line("ok")])
    }
}

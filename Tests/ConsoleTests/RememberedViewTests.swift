import FleetCore
import Foundation
import Testing
@testable import Console

@Suite struct RememberedViewTests {
    @Test func aViewComesBackAsItWasLeft() throws {
        var s = ConsoleState()
        s.screen = .pools
        s.sort = .waiting
        s.sortDescending = false
        s.filter = "pool:chat"
        s.commandHistory = ["pools", "sort waiting asc"]
        let view = RememberedView(s)
        let back = try JSONDecoder().decode(RememberedView.self, from: JSONEncoder().encode(view)).applied(to: ConsoleState())
        #expect(back.screen == .pools && back.sort == .waiting && !back.sortDescending)
        #expect(back.filter == "pool:chat" && back.commandHistory == ["pools", "sort waiting asc"])
    }

    @Test func whatNoLongerMakesSenseIsLeftOut() throws {
        let hostile = """
            {"screen": 99, "sort": "colour", "sortDescending": true, "filter": "\\u001b[2J",
             "commandHistory": ["ok", "\\u001b]0;pwned\\u0007", "\(String(repeating: "x", count: 500))"]}
            """
        let view = try JSONDecoder().decode(RememberedView.self, from: Data(hostile.utf8))
        let s = view.applied(to: ConsoleState())
        #expect(s.screen == .overview && s.sort == .node && !s.sortDescending && s.filter == "")
        #expect(s.commandHistory == ["ok"])
    }
}

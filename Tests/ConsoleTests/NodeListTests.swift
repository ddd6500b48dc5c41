import FleetCore
import Testing
@testable import Console

@Suite struct NodeListTests {
    @Test func sortByStateDescendingPutsTroubleFirst() {
        var state = ConsoleState()
        state.sort = .state
        state.sortDescending = true
        #expect(NodeList.rows(Fixtures.snapshot, state: state).first?.id == "chat-02")
        state.sort = .tokensPerSecond
        #expect(NodeList.rows(Fixtures.snapshot, state: state).map(\.id) == ["chat-01", "batch-01", "chat-02"])
    }

    @Test func filterMatchesEveryWordAnywhere() {
        var state = ConsoleState()
        state.filter = "chat down"
        #expect(NodeList.rows(Fixtures.snapshot, state: state).map(\.id) == ["chat-02"])
        state.filter = "LLAMA v2"
        #expect(NodeList.rows(Fixtures.snapshot, state: state).count == 3)
    }
}

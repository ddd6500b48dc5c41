import FleetCore
import Testing
@testable import Console

@Suite struct NodeFilterTests {
    let nodes = Fixtures.snapshot.nodes   // batch-01 (batch), chat-01, chat-02 (chat, down)

    func ids(_ query: String) -> [String] { nodes.filter(NodeFilter(query).matches).map(\.id).sorted() }

    @Test func wordsFieldsNegationAndRegex() {
        #expect(ids("") == ["batch-01", "chat-01", "chat-02"])
        #expect(ids("chat") == ["chat-01", "chat-02"])
        #expect(ids("pool:batch") == ["batch-01"])
        #expect(ids("state:down") == ["chat-02"])
        #expect(ids("!state:down") == ["batch-01", "chat-01"])
        #expect(ids("chat !down") == ["chat-01"])
        #expect(ids("re:^chat-0[2-9]$") == ["chat-02"])
        #expect(ids("node:re:01$") == ["batch-01", "chat-01"])
        #expect(ids("CHAT-01") == ["chat-01"])           // case-insensitive
        #expect(ids("id:batch") == ["batch-01"])
    }

    @Test func aBadQueryMatchesNothingAndSaysWhy() {
        let unknown = NodeFilter("colour:red")
        #expect(unknown.error?.hasPrefix("unknown field 'colour'") == true)
        #expect(!nodes.contains(where: unknown.matches))
        #expect(NodeFilter("re:(").error != nil)
        #expect(NodeFilter("re:(a)\\1").error == "re: back-references (\\1 ...) are not supported")
    }

    @Test func aPathologicalPatternDoesNotBacktrack() {
        // (a+)+$ against a long run of a's and one b: exponential for a backtracking engine;
        // glibc's POSIX matcher is not.
        var node = nodes[0]
        node.id = String(repeating: "a", count: 5_000) + "b"
        #expect(!NodeFilter("re:^(a+)+$").matches(node))
        #expect(NodeFilter("re:^(a+)+b$").matches(node))
    }
}

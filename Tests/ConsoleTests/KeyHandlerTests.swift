import FleetCore
import Testing
@testable import Console

@Suite struct KeyHandlerTests {
    let snap = Fixtures.snapshot

    func press(_ keys: [Key], from state: ConsoleState = ConsoleState()) -> ConsoleState {
        keys.reduce(state) { KeyHandler.handle($1, $0, snapshot: snap) }
    }

    @Test func tabAndNumbersSwitchScreens() {
        #expect(press([.tab]).screen == .nodes)
        #expect(press([.tab, .tab, .tab, .tab]).screen == .sources)
        #expect(press([.tab, .tab, .tab, .tab, .tab]).screen == .audit)
        #expect(press([.tab, .tab, .tab, .tab, .tab, .tab]).screen == .scheduler)
        #expect(press([.tab, .tab, .tab, .tab, .tab, .tab, .tab]).screen == .overview)
        #expect(press([.backTab]).screen == .scheduler)
        #expect(press([.char("5")]).screen == .sources)
        #expect(press([.char("6")]).screen == .audit)
        #expect(press([.char("7")]).screen == .scheduler)
        #expect(press([.char("8")]).screen == .overview)   // no eighth screen: ignored
        #expect(press([.char("3")]).screen == .pools)
    }

    @Test func arrowsMoveTheSelectionWithinTheRows() {
        #expect(press([.down]).selectedNodeID == "batch-01")   // nothing selected: the first row
        #expect(press([.down, .down]).selectedNodeID == "chat-01")
        #expect(press([.down, .down, .down, .down, .down]).selectedNodeID == "chat-02")
        #expect(press([.end, .up]).selectedNodeID == "chat-01")
        #expect(press([.home]).selectedNodeID == "batch-01")
    }

    @Test func enterOpensTheDetailAndEscapeCloses() {
        let opened = press([.down, .down, .enter])
        #expect(opened.detailNodeID == "chat-01")
        #expect(press([.escape], from: opened).detailNodeID == nil)
    }

    @Test func slashEditsTheFilterUntilEnterOrEscape() {
        let typed = press([.char("/"), .char("c"), .char("h"), .char("x"), .backspace])
        #expect(typed.editingFilter && typed.filter == "ch")
        // While editing, q is text, not quit.
        let withQ = press([.char("q")], from: typed)
        #expect(!withQ.quit && withQ.filter == "chq")
        let kept = press([.enter], from: typed)
        #expect(!kept.editingFilter && kept.filter == "ch")
        #expect(press([.escape], from: kept).filter == "")
        #expect(press([.escape], from: typed).filter == "")
    }

    @Test func theFilterRefusesControlCharacters() {
        let s = press([.char("/"), .char("\u{1B}"), .char("a")])
        #expect(s.filter == "a")
    }

    @Test func sCyclesTheSortColumnAndSReverses() {
        let once = press([.char("s")])
        #expect(once.sort == .pool && !once.sortDescending)
        let gpu = press([.char("s"), .char("s"), .char("s")])
        #expect(gpu.sort == .gpu && gpu.sortDescending)
        #expect(!press([.char("S")], from: gpu).sortDescending)
        #expect(press(Array(repeating: .char("s"), count: NodeSortColumn.allCases.count)).sort == .node)
    }

    @Test func pFreezesTheCurrentSnapshotAndResumes() {
        let frozen = press([.char("p")])
        #expect(frozen.frozen == snap)
        #expect(press([.char("p")], from: frozen).frozen == nil)
    }

    @Test func helpOpensAndAnyKeyClosesIt() {
        let help = press([.char("?")])
        #expect(help.showHelp)
        let closed = press([.char("x")], from: help)
        #expect(!closed.showHelp && !closed.quit)
        #expect(press([.char("q")], from: help).quit)
    }

    @Test func qQuits() {
        #expect(press([.char("q")]).quit)
    }
}

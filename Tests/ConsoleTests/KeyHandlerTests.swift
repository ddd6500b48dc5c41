import FleetCore
import Testing
@testable import Console

@Suite struct KeyHandlerTests {
    let keys = KeyDriver()

    func press(_ k: [Key], from state: ConsoleState = ConsoleState()) -> ConsoleState { keys.press(k, from: state).state }

    @Test func tabAndNumbersSwitchScreens() {
        #expect(press([.tab]).screen == .nodes)
        #expect(press([.tab, .tab, .tab, .tab]).screen == .sources)
        #expect(press([.tab, .tab, .tab, .tab, .tab]).screen == .audit)
        #expect(press([.tab, .tab, .tab, .tab, .tab, .tab]).screen == .scheduler)
        #expect(press([.tab, .tab, .tab, .tab, .tab, .tab, .tab]).screen == .alerts)
        #expect(press([.tab, .tab, .tab, .tab, .tab, .tab, .tab, .tab]).screen == .overview)
        #expect(press([.backTab]).screen == .alerts)
        #expect(press([.char("5")]).screen == .sources)
        #expect(press([.char("6")]).screen == .audit)
        #expect(press([.char("7")]).screen == .scheduler)
        #expect(press([.char("8")]).screen == .alerts)
        #expect(press([.char("9")]).screen == .overview)   // no ninth screen: ignored
        #expect(press([.char("3")]).screen == .pools)
    }

    @Test func digitsOnlySwitchScreens() {
        // Digits and counts no longer share keys: `3` then `+` is the Pools screen, then a
        // scale of the pool selected there by one.
        let out = keys.press(.char("3"), .char("+"))
        #expect(out.state.screen == .pools)
        #expect(out.planned == [.scale(pool: "chat", delta: 1)])
    }

    @Test func arrowsMoveTheSelectionWithinTheRows() {
        #expect(press([.down]).selectedNodeID == "batch-01")   // nothing selected: the first row
        #expect(press([.down, .down]).selectedNodeID == "chat-01")
        #expect(press([.down, .down, .down, .down, .down]).selectedNodeID == "chat-02")
        #expect(press([.end, .up]).selectedNodeID == "chat-01")
        #expect(press([.home]).selectedNodeID == "batch-01")
    }

    @Test func onThePoolsScreenTheArrowsSelectAPool() {
        let pools = press([.char("3"), .down])
        #expect(pools.selectedPoolID == "batch")                // the first row shows selected: down is the second
        #expect(press([.up], from: pools).selectedPoolID == "chat")
        #expect(press([.down], from: pools).selectedPoolID == "batch")
        #expect(press([.down], from: pools).selectedNodeID == nil)  // the node selection stays
    }

    @Test func enterOpensTheDetailAndEscapeCloses() {
        let opened = press([.down, .down, .enter])
        #expect(opened.detailNodeID == "chat-01")
        #expect(press([.escape], from: opened).detailNodeID == nil)
    }

    @Test func slashEditsTheFilterUntilEnterOrEscape() {
        let typed = press([.char("/"), .char("c"), .char("h"), .char("x"), .backspace])
        #expect(typed.mode == .filtering && typed.filter == "ch")
        // While editing, q is text, not quit.
        let withQ = keys.press(.char("q"), from: typed)
        #expect(!withQ.quits && withQ.state.filter == "chq")
        let kept = press([.enter], from: typed)
        #expect(kept.mode == .browsing && kept.filter == "ch")
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
        #expect(frozen.frozen == Fixtures.snapshot)
        #expect(press([.char("p")], from: frozen).frozen == nil)
    }

    @Test func helpOpensScrollsAndAnyOtherKeyClosesIt() {
        let help = press([.char("?")])
        #expect(help.mode == .help(scroll: 0))
        #expect(press([.down, .down], from: help).mode == .help(scroll: 2))
        let closed = keys.press(.char("x"), from: help)
        #expect(closed.state.mode == .browsing && !closed.quits)
        #expect(keys.press(.char("q"), from: help).quits)
    }

    @Test func qQuits() {
        #expect(keys.press(.char("q")).quits)
    }

    @Test func replayKeysGoToTheTransportAheadOfTheLiveOnes() {
        var replaying = Fixtures.snapshot
        replaying.replay = ReplayStatus(position: 10, start: 0, end: 100, paused: false, speed: 1, marks: [], notice: nil)
        let replay = KeyDriver(snapshot: replaying)
        #expect(replay.press(.char("[")).effects == [.replay(.seekBy(-60))])
        #expect(replay.press(.char(" "), .right).effects == [.replay(.togglePause), .replay(.step(1))])
        // Live, `[` scrolls the events log instead.
        #expect(keys.press(.char("[")).effects.isEmpty)
        // `g` opens the go-to prompt in a replay, and selects the first row live.
        let goto = replay.type("g+1:30")
        #expect(goto.state.mode == .goingTo("+1:30"))
        #expect(replay.press(.enter, from: goto.state).effects == [.replay(.seekTo(90))])
    }
}

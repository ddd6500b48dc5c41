import FleetCore
import Testing
@testable import Console

/// Clicks and the wheel: the frame says where things are (`Canvas.regions`), the key handler
/// turns a click there into what it means.
@Suite struct MouseTests {
    /// The frame for `state`, and a driver that knows where its regions are.
    func frame(_ state: ConsoleState, width: Int = 160, height: Int = 48) -> (Canvas, KeyDriver) {
        let canvas = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: state, width: width, height: height, glyphs: .unicode).canvas
        var driver = KeyDriver()
        driver.context.regions = canvas.regions
        return (canvas, driver)
    }

    func click(_ target: ClickTarget, in canvas: Canvas, _ action: MouseEvent.Action = .click) -> Key {
        let r = canvas.regions.last { $0.target == target }!.rect
        return .mouse(MouseEvent(x: r.x + r.width / 2, y: r.y, action))
    }

    @Test func theFrameMarksTabsRowsPoolsAndKeyHints() {
        let (canvas, _) = frame(ConsoleState())
        let targets = Set(canvas.regions.map(\.target))
        for sc in ScreenID.allCases { #expect(targets.contains(.screen(sc)), "\(sc)") }
        for id in ["chat-01", "chat-02", "batch-01"] { #expect(targets.contains(.node(id))) }
        #expect(targets.contains(.pool("chat")) && targets.contains(.command(.help)) && targets.contains(.command(.scaleUp)))
        // The tab region covers its label: the middle of it is the label's text.
        let pools = canvas.regions.first { $0.target == .screen(.pools) }!.rect
        let row = canvas.text.split(separator: "\n", omittingEmptySubsequences: false)[pools.y]
        #expect(String(row.dropFirst(pools.x).prefix(pools.width)) == "3 Pools")
    }

    @Test func clicksSelectOpenAndSwitch() {
        let (canvas, keys) = frame(ConsoleState())
        #expect(keys.press(click(.node("chat-02"), in: canvas)).state.selectedNodeID == "chat-02")
        let opened = keys.press(click(.node("chat-02"), in: canvas, .doubleClick)).state
        #expect(opened.detailNodeID == "chat-02")
        #expect(keys.press(click(.screen(.sources), in: canvas)).state.screen == .sources)
        #expect(keys.press(click(.command(.help), in: canvas)).state.mode == .help(scroll: 0))
        var selected = ConsoleState()
        selected.selectedNodeID = "chat-01"
        #expect(keys.press(click(.command(.scaleUp), in: canvas), from: selected).planned == [.scale(pool: "chat", delta: 1)])
        // The overview's queue line opens the pool's detail.
        let pool = keys.press(click(.pool("batch"), in: canvas)).state
        #expect(pool.screen == .pools && pool.detailPoolID == "batch")
    }

    @Test func onThePoolsScreenAClickSelectsAndADoubleClickOpens() {
        var s = ConsoleState()
        s.screen = .pools
        let (canvas, keys) = frame(s)
        let selected = keys.press(click(.pool("batch"), in: canvas), from: s).state
        #expect(selected.selectedPoolID == "batch" && selected.screen == .pools)
        #expect(keys.press(click(.pool("batch"), in: canvas, .doubleClick), from: s).state.detailPoolID == "batch")
    }

    @Test func theWheelMovesTheSelectionAndScrollsTheHelp() {
        var s = ConsoleState()
        s.selectedNodeID = "batch-01"
        let (canvas, keys) = frame(s)
        let row = canvas.regions.first { $0.target == .node("batch-01") }!.rect
        let down = Key.mouse(MouseEvent(x: row.x + 2, y: row.y, .wheelDown))
        #expect(keys.press(down, from: s).state.selectedNodeID == "chat-01")
        s.mode = .help(scroll: 0)
        #expect(keys.press(down, from: s).state.mode == .help(scroll: 3))
        #expect(keys.press(.mouse(MouseEvent(x: 1, y: 1, .click)), from: s).state.mode == .browsing)
    }

    @Test func aDialogIgnoresTheMouse() {
        var s = ConsoleState()
        s.mode = .confirming(PendingAction(.drain(node: "chat-01"), ActionPlan(description: "d", actuator: "a")))
        let (canvas, keys) = frame(ConsoleState())
        let out = keys.press(click(.screen(.audit), in: canvas), from: s)
        #expect(out.state.mode == s.mode && out.state.screen == .overview && out.effects.isEmpty)
    }
}

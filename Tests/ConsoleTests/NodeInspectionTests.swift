import FleetCore
import Testing
@testable import Console

/// `i`: a node opened down to its engine's page, searched as one types.
@Suite struct NodeInspectionTests {
    let inspection = NodeInspection(
        node: "chat-01", source: "http://10.0.0.7:8000/metrics", fetchedAt: 0,
        summary: ["stack: vllm", "families: 3  series: 4"],
        series: ["vllm:num_requests_running{model_name=\"m\"} 30", "vllm:num_requests_waiting{model_name=\"m\"} 8",
                 "vllm:generation_tokens_total{model_name=\"m\"} 1200", "vllm:cache_config_info{block_size=\"16\"} 1"],
        configuration: [.init(key: "block_size", value: "16"), .init(key: "num_gpu_blocks", value: "27431")],
        problems: ["line 17: expected a value"])

    @Test func iOpensTheSelectedNodeAndAsksForItsPage() {
        let out = KeyDriver().press(.char("2"), .char("i"))
        guard case .inspecting(let view) = out.state.mode else { Issue.record("not inspecting: \(out.state.mode)"); return }
        #expect(out.effects == [.inspect(node: view.node)])
        // No row selected yet: the table's first, as every node key takes it.
        #expect(view.node == NodeList.rows(Fixtures.snapshot, state: ConsoleState()).first?.id)
    }

    @Test func typingSearchesEscClearsThenCloses() {
        let d = KeyDriver()
        let opened = d.press(.char("i"))
        let typed = d.press([.char("w"), .char("a"), .char("i"), .char("t"), .char("q")], from: opened.state)
        guard case .inspecting(let view) = typed.state.mode else { Issue.record("closed"); return }
        // Keys that mean something elsewhere ("q", "i") are letters of the search here.
        #expect(view.query == "waitq")
        let back = d.press([.backspace], from: typed.state)
        guard case .inspecting(let trimmed) = back.state.mode else { Issue.record("closed"); return }
        #expect(trimmed.shown(inspection.lines).map(\.text) == ["vllm:num_requests_waiting{model_name=\"m\"} 8"])
        let again = d.press([.enter], from: back.state)
        #expect(again.effects == [.inspect(node: trimmed.node)])
        let cleared = d.press([.escape], from: back.state)
        guard case .inspecting(let empty) = cleared.state.mode else { Issue.record("closed on the first Esc"); return }
        #expect(empty.query.isEmpty)
        #expect(d.press([.escape], from: cleared.state).state.mode == .browsing)
    }

    @Test func aReplayHasNoPagesToInspect() {
        var replaying = Fixtures.snapshot
        replaying.replay = ReplayStatus(position: 0, start: 0, end: 10, paused: true, speed: 1, marks: [], notice: nil)
        let out = KeyDriver(snapshot: replaying).press(.char("i"))
        #expect(out.state.mode == .browsing && out.effects.isEmpty)
        #expect(out.state.message?.text.contains("recording holds no engine pages") == true)
    }

    @Test func theViewListsEverySectionAndTheEventsThatNameTheNode() {
        var state = ConsoleState()
        var view = InspectionView(node: "chat-01")
        state.mode = .inspecting(view)
        var snapshot = Fixtures.snapshot
        snapshot.events.append(FleetEvent(time: 600, severity: .warning, kind: .node, message: "node chat-01 stale: timeout", node: "chat-01"))
        let text = ScreenRenderer.render(snapshot: snapshot, state: state, width: 120, height: 30, glyphs: .unicode,
                                         inspection: inspection).canvas.text
        #expect(text.contains("inspect chat-01") && text.contains("http://10.0.0.7:8000/metrics"))
        #expect(text.contains("configuration num_gpu_blocks = 27431"))
        #expect(text.contains("problems      line 17: expected a value"))
        #expect(text.contains("series        vllm:generation_tokens_total{model_name=\"m\"} 1200"))
        #expect(text.contains("events") && text.contains("node chat-01 stale: timeout"))
        view.query = "tokens"
        state.mode = .inspecting(view)
        let searched = ScreenRenderer.render(snapshot: snapshot, state: state, width: 120, height: 30, glyphs: .unicode,
                                             inspection: inspection).canvas.text
        #expect(searched.contains("search: tokens") && searched.contains("1 of"))
        #expect(!searched.contains("num_requests_waiting"))
        // Another node's inspection is not shown as this one's.
        var other = inspection
        other.node = "batch-01"
        let waiting = ScreenRenderer.render(snapshot: snapshot, state: state, width: 120, height: 30, glyphs: .unicode,
                                            inspection: other).canvas.text
        #expect(waiting.contains("fetching chat-01's page"))
    }
}

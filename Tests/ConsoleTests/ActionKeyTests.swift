import FleetCore
import Testing
@testable import Console

/// The action keys as state transitions: what they ask for, the count in the dialog, marks, undo.
@Suite struct ActionKeyTests {
    let snapshot = Fixtures.snapshot
    let keys = KeyDriver()

    /// From the node `chat-01` selected on the overview.
    func press(_ k: Key..., from start: ConsoleState? = nil) -> KeyOutcome {
        var s = start ?? ConsoleState()
        if s.selectedNodeID == nil { s.selectedNodeID = "chat-01" }
        return keys.press(k, from: s)
    }

    @Test func plusAndMinusScaleTheSelectedNodesPool() {
        #expect(press(.char("+")).planned == [.scale(pool: "chat", delta: 1)])
        #expect(press(.char("-")).planned == [.scale(pool: "chat", delta: -1)])
    }

    @Test func theScaleDialogChangesTheCount() {
        // + opens the dialog at one; + and - in it change the count and plan again, skipping 0.
        let three = press(.char("+"), .char("+"), .char("+"))
        #expect(three.planned == [.scale(pool: "chat", delta: 1), .scale(pool: "chat", delta: 2), .scale(pool: "chat", delta: 3)])
        #expect(three.state.confirming?.action == .scale(pool: "chat", delta: 3))
        let down = press(.char("+"), .char("-"))
        #expect(down.state.confirming?.action == .scale(pool: "chat", delta: -1))
        #expect(keys.press(.char("y"), from: three.state).effects == [.run(.scale(pool: "chat", delta: 3))])
    }

    @Test func theDegradeMenuTogglesAMode() {
        #expect(press(.char("d")).state.mode == .degradeMenu(pool: "chat"))
        #expect(press(.char("d"), .char("3")).planned == [.degrade(pool: "chat", mode: .capMaxTokens, on: true)])
        let closed = press(.char("d"), .escape)
        #expect(closed.state.mode == .browsing && closed.planned.isEmpty)
    }

    @Test func drainAndShift() {
        #expect(press(.char("D")).planned == [.drain(node: "chat-01")])
        #expect(press(.char("b")).planned == [.shift(toward: "chat", from: nil, percent: 10)])
    }

    @Test func spaceMarksNodesAndDDrainsThemAllInOneDialog() {
        // From batch-01 (the first row): mark it and chat-01 (Space moves down a row).
        var s = ConsoleState()
        s.selectedNodeID = "batch-01"
        let marked = keys.press([.char(" "), .char(" ")], from: s)
        #expect(marked.state.markedNodeIDs == ["batch-01", "chat-01"])
        #expect(marked.state.selectedNodeID == "chat-02")
        let drain = keys.press([.char("D")], from: marked.state)
        #expect(drain.effects == [.planAll([.drain(node: "batch-01"), .drain(node: "chat-01")])])
        guard case .confirming(let pending) = drain.state.mode, case .actions(let all) = pending.subject else {
            Issue.record("no dialog"); return
        }
        #expect(all.count == 2)
        let confirmed = keys.press([.char("y")], from: drain.state)
        #expect(confirmed.effects == [.run(.drain(node: "batch-01")), .run(.drain(node: "chat-01"))])
        #expect(confirmed.state.markedNodeIDs.isEmpty)
        // Space again unmarks; Esc clears every mark.
        #expect(keys.press([.char(" ")], from: { var t = marked.state; t.selectedNodeID = "batch-01"; return t }()).state.markedNodeIDs == ["chat-01"])
        #expect(keys.press([.escape], from: marked.state).state.markedNodeIDs.isEmpty)
        // The table shows the marks, the footer the count.
        let text = ScreenRenderer.render(snapshot: snapshot, state: marked.state, width: 200, height: 40, glyphs: .unicode).canvas.text
        #expect(text.contains("● batch-01") && text.contains("● chat-01") && text.contains("D drain 2"))
    }

    @Test func aRefusalOfAnyOneRefusesThemAll() {
        let plan = ConsoleApp.plan([.drain(node: "a"), .drain(node: "b")], snapshot: nil, actions: nil)
        #expect(plan.refusal?.hasPrefix("a: no actuator") == true)
        #expect(plan.description.split(separator: "\n").count == 2)
    }

    @Test func onThePoolsScreenTheKeysActOnTheSelectedPool() {
        let pools = press(.char("3"), .down, .down)
        #expect(pools.state.selectedPoolID == "batch")
        #expect(press(.char("+"), from: pools.state).planned == [.scale(pool: "batch", delta: 1)])
        #expect(press(.char("d"), from: pools.state).state.mode == .degradeMenu(pool: "batch"))
        // A node is not a target on the Pools screen: D is not bound there.
        #expect(press(.char("D"), from: pools.state).planned.isEmpty)
    }

    @Test func onlyYConfirms() {
        var s = ConsoleState()
        let plan = ActionPlan(description: "Scale pool chat from 2 to 3 replicas.", actuator: "simulator actuator: scale chat by +1")
        s.mode = .confirming(PendingAction(.scale(pool: "chat", delta: 1), plan))
        #expect(press(.char("y"), from: s).effects == [.run(.scale(pool: "chat", delta: 1))])
        let cancelled = press(.char("n"), from: s)
        #expect(cancelled.effects.isEmpty && cancelled.state.mode == .browsing)
        // A refused plan cannot be confirmed.
        s.mode = .confirming(PendingAction(.scale(pool: "chat", delta: 1), ActionPlan(description: "x", actuator: "none", refusal: "read-only")))
        #expect(press(.char("y"), from: s).effects.isEmpty)
    }

    @Test func uProposesTheInverseOfTheLastConfirmedAction() {
        #expect(press(.char("u")).state.message?.text == "nothing to undo: no action confirmed in this session")
        let scaled = press(.char("+"), .char("+"), .char("y"))
        #expect(scaled.state.lastConfirmed == .scale(pool: "chat", delta: 2))
        let undo = press(.char("u"), from: scaled.state)
        #expect(undo.planned == [.scale(pool: "chat", delta: -2)])
        #expect(undo.state.confirming?.action == .scale(pool: "chat", delta: -2))
        // A cancelled dialog is not what u undoes.
        let cancelled = press(.char("d"), .char("1"), .char("n"), from: scaled.state)
        #expect(press(.char("u"), from: cancelled.state).planned == [.scale(pool: "chat", delta: -2)])
        let drained = press(.char("D"), .char("y"))
        #expect(press(.char("u"), from: drained.state).state.message?.text == "drain chat-01 has no inverse action")
    }

    @Test func inversesOfActions() {
        #expect(OperatorAction.degrade(pool: "p", mode: .cacheOnly, on: true).inverse == .degrade(pool: "p", mode: .cacheOnly, on: false))
        #expect(OperatorAction.shift(toward: "green", from: "blue", percent: 10).inverse == .shift(toward: "blue", from: "green", percent: 10))
        #expect(OperatorAction.shift(toward: "green", from: nil, percent: 10).inverse == nil)
    }

    @Test func readOnlyTakesTheActionKeysAway() {
        let readOnly = KeyDriver(keymap: Keymap.standard.withoutDangerous(), readOnly: true)
        var s = ConsoleState()
        s.selectedNodeID = "chat-01"
        for key in ["+", "-", "d", "D", "b", "u"] {
            let out = readOnly.press([.char(Character(key))], from: s)
            #expect(out.effects.isEmpty && out.state.mode == .browsing, "\(key)")
        }
        #expect(readOnly.command("scale chat +1", from: s).state.message?.text
                == ":scale: read-only (--read-only): actions are off")
    }

    @Test func theAuditScreenListsNewestFirst() {
        var s = ConsoleState()
        s.screen = .audit
        let entries = [AuditEntry(time: 0, user: "ana", action: .scale, target: "chat", parameters: "delta=1", actuator: "simulator",
                                  result: .ok, duration: 0.1, detail: "chat +1 replica"),
                       AuditEntry(time: 60, user: "bo", action: .drain, target: "chat-02", parameters: "", actuator: "exec",
                                  result: .failed, duration: 2, detail: "kubectl exited with 1")]
        let text = ScreenRenderer.render(snapshot: snapshot, state: s, width: 140, height: 30, glyphs: .unicode, audit: entries).canvas.text
        #expect(text.contains("Audit (2)"))
        let lines = text.split(separator: "\n")
        let drain = lines.firstIndex { $0.contains("chat-02") }, scale = lines.firstIndex { $0.contains("delta=1") }
        #expect(drain != nil && scale != nil && drain! < scale!)
        #expect(text.contains("kubectl exited with 1"))
    }

    @Test func theDialogSaysWhatAndThroughWhat() {
        var s = ConsoleState()
        s.mode = .confirming(PendingAction(.scale(pool: "chat", delta: 1),
                                     ActionPlan(description: "Scale pool chat from 2 to 3 replicas.", actuator: "simulator actuator: scale chat by +1")))
        let text = ScreenRenderer.render(snapshot: snapshot, state: s, width: 120, height: 40, glyphs: .unicode).canvas.text
        #expect(text.contains("Confirm: scale chat"))
        #expect(text.contains("Scale pool chat from 2 to 3 replicas."))
        #expect(text.contains("through the simulator actuator: scale chat by +1"))
        #expect(text.contains("y  confirm"))
        let replayed = ConsoleApp.plan(.scale(pool: "chat", delta: 1), snapshot: { var r = snapshot
            r.replay = ReplayStatus(position: 0, start: 0, end: 1, paused: true, speed: 1, marks: [], notice: nil); return r }(), actions: nil)
        #expect(replayed.refusal == "actions are disabled during a replay")
    }
}

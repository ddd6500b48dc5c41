import FleetCore
import Testing
@testable import Console

/// The action keys as state transitions: what they ask for, the count prefix, the dialogs.
@Suite struct ActionKeyTests {
    let snapshot = Fixtures.snapshot

    func press(_ keys: [Key], _ start: ConsoleState = ConsoleState()) -> ConsoleState {
        var s = start
        if s.selectedNodeID == nil { s.selectedNodeID = "chat-01" }
        for k in keys { s = KeyHandler.handle(k, s, snapshot: snapshot) }
        return s
    }

    @Test func plusAndMinusScaleTheSelectedNodesPool() {
        #expect(press([.char("+")]).requestedAction == .scale(pool: "chat", delta: 1))
        #expect(press([.char("-")]).requestedAction == .scale(pool: "chat", delta: -1))
    }

    @Test func aCountPrefixMultipliesAndKeepsTheScreen() {
        let s = press([.char("3"), .char("+")])
        #expect(s.requestedAction == .scale(pool: "chat", delta: 3))
        #expect(s.screen == .overview)           // the digit's screen switch is undone
        #expect(press([.char("1"), .char("2"), .char("-")]).requestedAction == .scale(pool: "chat", delta: -12))
        // A digit alone still switches screens.
        #expect(press([.char("3")]).screen == .pools)
    }

    @Test func theDegradeMenuTogglesAMode() {
        let open = press([.char("d")])
        #expect(open.degradeMenuPool == "chat")
        #expect(press([.char("d"), .char("3")]).requestedAction == .degrade(pool: "chat", mode: .capMaxTokens, on: true))
        let closed = press([.char("d"), .escape])
        #expect(closed.degradeMenuPool == nil && closed.requestedAction == nil)
    }

    @Test func drainAndShift() {
        #expect(press([.char("D")]).requestedAction == .drain(node: "chat-01"))
        #expect(press([.char("b")]).requestedAction == .shift(toward: "chat", from: nil, percent: 10))
    }

    @Test func onlyYConfirms() {
        var s = ConsoleState()
        let plan = ActionPlan(description: "Scale pool chat from 2 to 3 replicas.", actuator: "simulator actuator: scale chat by +1")
        s.confirming = PendingAction(.scale(pool: "chat", delta: 1), plan)
        #expect(press([.char("y")], s).confirmedAction == .scale(pool: "chat", delta: 1))
        let cancelled = press([.char("n")], s)
        #expect(cancelled.confirmedAction == nil && cancelled.confirming == nil)
        // A refused plan cannot be confirmed.
        s.confirming = PendingAction(.scale(pool: "chat", delta: 1), ActionPlan(description: "x", actuator: "none", refusal: "read-only"))
        #expect(press([.char("y")], s).confirmedAction == nil)
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
        s.confirming = PendingAction(.scale(pool: "chat", delta: 1),
                                     ActionPlan(description: "Scale pool chat from 2 to 3 replicas.", actuator: "simulator actuator: scale chat by +1"))
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

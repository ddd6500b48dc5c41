import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Console

/// The fixture fleet with alerts and budgets as an alert engine would have put them there.
private var alerting: FleetSnapshot {
    var s = Fixtures.snapshot
    let e2e = SLOObjective(metric: .e2e, percentile: 95, target: 2)
    s.alerts = [FleetAlert(name: "queue", pool: "chat", severity: .ticket, state: .firing, since: 480, summary: "waiting_per_node 8 > 4 for 1m"),
                FleetAlert(name: "e2e_p95-budget", pool: "chat", severity: .page, state: .firing, since: 570,
                           summary: "e2e p95 < 2.00s: budget burning 16.0x over 1h00m and 18.2x over 5m (alert at 14.4x)"),
                FleetAlert(name: "kv", pool: "batch", severity: .info, state: .pending, since: 595, summary: "kv_usage 12.0% > 10.0%")]
    s.budgets = [ErrorBudgetStatus(pool: "chat", objective: e2e, budget: 0.05, covered: 600, requests: 5700, attainment: 0.2,
                                   remaining: -15, burnRates: [18.2, 16.5, 16, nil, nil])]
    s.events.append(FleetEvent(time: 570, severity: .critical, kind: .alert, message: "alert e2e_p95-budget firing on chat: ...", pool: "chat"))
    return s
}

private func render(_ s: FleetSnapshot, _ state: ConsoleState, width: Int = 120, height: Int = 34, glyphs: Glyphs = .unicode) -> String {
    ScreenRenderer.render(snapshot: s, state: state, width: width, height: height, glyphs: glyphs).canvas.text
}

@Suite struct AlertsScreenTests {
    @Test func theScreenListsFiringFirstThenTheBudgetsAndTheHistory() {
        var state = ConsoleState()
        state.screen = .alerts
        let text = render(alerting, state)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(text.contains("Alerts (2 firing, 1 pending)"))
        let page = lines.firstIndex { $0.contains("FIRING") && $0.contains("e2e_p95-budget") }
        let ticket = lines.firstIndex { $0.contains("FIRING") && $0.contains("queue") }
        let pending = lines.firstIndex { $0.contains("pending") && $0.contains("kv_usage 12.0% > 10.0%") }
        #expect(page != nil && ticket != nil && pending != nil && page! < ticket! && ticket! < pending!)
        #expect(lines[page!].contains("30s") && lines[ticket!].contains("2m"))
        let budget = lines.first { $0.contains("chat") && $0.contains("e2e p95") && $0.contains("20.000%") } ?? ""
        #expect(budget.contains("20.000%") && budget.contains("-1500%") && budget.contains("18.2x") && budget.contains("16.0x"), "\(budget)")
        #expect(text.contains("Alert and SLO history (2)") && text.contains("SLO breach on chat"))
    }

    @Test func theHeaderNamesTheLoudestFiringAlertAndClicksThrough() {
        let frame = ScreenRenderer.render(snapshot: alerting, state: ConsoleState(), width: 120, height: 30, glyphs: .unicode)
        let header = frame.canvas.text.split(separator: "\n")[0]
        #expect(header.contains("▲ e2e_p95-budget chat +1"))
        let x = header.distance(from: header.startIndex, to: header.range(of: "▲")!.lowerBound)
        #expect(frame.canvas.regions.target(atX: x + 2, y: 0) == .screen(.alerts))
        #expect(render(alerting, ConsoleState(), glyphs: .ascii).split(separator: "\n")[0].contains("^ e2e_p95-budget chat +1"))
        #expect(!render(Fixtures.snapshot, ConsoleState()).split(separator: "\n")[0].contains("▲"))
    }

    @Test func aSourceWithoutAlertsSaysSo() {
        var state = ConsoleState()
        state.screen = .alerts
        #expect(render(Fixtures.snapshot, state).contains("this source evaluates no alerts"))
    }

    @Test func theFilterKeepsAlertsAndBudgetsByField() {
        let driver = KeyDriver(snapshot: alerting)
        var state = ConsoleState()
        state.screen = .alerts
        let out = driver.press([.char("/")] + "severity:page".map { Key.char($0) } + [.enter], from: state)
        #expect(out.state.screenFilters[.alerts] == "severity:page" && out.state.filter.isEmpty)
        let text = render(alerting, out.state)
        #expect(text.contains("Alerts (1 firing, 0 pending)") && !text.contains("waiting_per_node"))
        let export = ExportTable.of(out.state, snapshot: alerting, audit: [])
        #expect(export?.name == "alerts" && export?.rows.map { $0[0] } == ["e2e_p95-budget"])
    }

    @Test func theBellRingsOnceForEachNewPage() {
        var bell = AlertBell()
        var s = Fixtures.snapshot
        var rang = bell.ringsFor(s)
        #expect(!rang)
        s.alerts = [FleetAlert(name: "t", pool: "chat", severity: .ticket, state: .firing, since: 1, summary: "")]
        rang = bell.ringsFor(s)
        #expect(!rang)
        s.alerts! += [FleetAlert(name: "p", pool: "chat", severity: .page, state: .pending, since: 1, summary: "")]
        rang = bell.ringsFor(s)
        #expect(!rang)
        s.alerts![1].state = .firing
        rang = bell.ringsFor(s)
        #expect(rang)
        rang = bell.ringsFor(s)
        #expect(!rang)
        s.alerts = []
        rang = bell.ringsFor(s)
        #expect(!rang)
        s.alerts = [FleetAlert(name: "p", pool: "chat", severity: .page, state: .firing, since: 9, summary: "")]
        rang = bell.ringsFor(s)
        #expect(rang)
    }
}

@Suite struct PoolDetailTests {
    @Test func enterOnThePoolsScreenOpensThePoolAndEscGoesBack() {
        let driver = KeyDriver(snapshot: alerting)
        let opened = driver.press([.char("3"), .enter])
        #expect(opened.state.detailPoolID == "chat" && opened.state.place == .poolDetail)
        let text = render(alerting, opened.state, width: 160, height: 48)
        #expect(text.contains("chat  vllm · llama-3-8b") && text.contains("nodes 1/2 up"))
        #expect(text.contains("SLO  e2e p95 2.60s < 2.00s BREACHED"))
        #expect(text.contains("FIRING page e2e_p95-budget"))
        #expect(text.contains("chat-01") && text.contains("chat-02") && !text.contains("batch-01"))
        #expect(text.contains("what happened to chat") && text.contains("alert e2e_p95-budget firing on chat"))
        #expect(text.contains("+ scale+"))
        // The pool keys act on it; Esc closes it.
        #expect(driver.press([.char("+")], from: opened.state).effects == [.plan(.scale(pool: "chat", delta: 1))])
        let back = driver.press([.escape], from: opened.state)
        #expect(back.state.detailPoolID == nil && back.state.screen == .pools)
        // The next pool down opens the same way; :pool NAME too.
        #expect(driver.press([.char("3"), .down, .enter]).state.detailPoolID == "batch")
        #expect(driver.press([.char(":")] + "pool batch".map { Key.char($0) } + [.enter]).state.detailPoolID == "batch")
        #expect(driver.press([.char("3"), .enter, .char("2")]).state.place == .screen(.nodes))
    }

    @Test func itFitsAtEightyColumns() {
        var state = ConsoleState()
        state.screen = .pools
        state.detailPoolID = "chat"
        let text = render(alerting, state, width: 80, height: 24, glyphs: .ascii)
        #expect(text.contains("chat  vllm / llama-3-8b") && text.contains("BREACHED"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}

@Suite struct TableFilterTests {
    @Test func eachScreenHasItsOwnFilterOverItsOwnFields() {
        let driver = KeyDriver()
        let pools = driver.press([.char("3"), .char("/")] + "bat".map { Key.char($0) } + [.enter])
        #expect(pools.state.screenFilters[.pools] == "bat" && pools.state.filter.isEmpty)
        let text = render(Fixtures.snapshot, pools.state)
        #expect(text.contains("Pools (1 of 2)") && text.contains("batch") && !text.contains("chat "))
        // Selection and actions follow what is shown.
        #expect(driver.press([.char("+")], from: pools.state).effects == [.plan(.scale(pool: "batch", delta: 1))])
        // The node filter stays as it was on the node screens; Esc clears only this one.
        #expect(driver.press([.char("1")], from: pools.state).state.activeFilter.isEmpty)
        #expect(driver.press([.escape], from: pools.state).state.screenFilters.isEmpty)

        let events = driver.press([.char("4"), .char(":")] + "filter kind:node".map { Key.char($0) } + [.enter])
        #expect(events.state.screenFilters[.events] == "kind:node")
        let shown = render(Fixtures.snapshot, events.state)
        #expect(shown.contains("Events (1 of 3)") && shown.contains("node chat-02 down") && !shown.contains("SLO breach"))
        #expect(ExportTable.of(events.state, snapshot: Fixtures.snapshot, audit: [])?.rows.count == 1)
        // A field another table has is refused here, naming this table's.
        let wrong = driver.press([.char("4"), .char(":")] + "filter state:down".map { Key.char($0) } + [.enter])
        #expect(wrong.state.message?.text.contains("unknown field 'state' (fields here: message, severity, kind, pool, node)") == true)
        let typed = driver.press([.char("4"), .char("/")] + "state:down".map { Key.char($0) } + [.enter])
        #expect(render(Fixtures.snapshot, typed.state).contains("unknown field 'state'"))
    }

    @Test func sourcesAndAuditFilterToo() {
        var s = Fixtures.snapshot
        s.sources = [SourceStatus(id: "vllm-0", kind: .metrics, address: "http://a/metrics", state: .up, reason: nil, stack: "vllm",
                                  lastSuccessAge: 1, lastDuration: 0.01, samples: 10, scrapes: 3, failures: 0, parseIssues: 0),
                     SourceStatus(id: "ghost", kind: .metrics, address: "http://b/metrics", state: .down, reason: "refused", stack: nil,
                                  lastSuccessAge: nil, lastDuration: nil, samples: 0, scrapes: 3, failures: 3, parseIssues: 0)]
        var state = ConsoleState()
        state.screen = .sources
        state.screenFilters[.sources] = "state:down"
        #expect(TableRows.sources(s, state).map(\.id) == ["ghost"])
        let audit = [AuditEntry(time: 1, user: "ana", action: .scale, target: "chat", parameters: "delta=1", actuator: "exec",
                                result: .ok, duration: 0.1, detail: ""),
                     AuditEntry(time: 2, user: "bo", action: .notify, target: "chat", parameters: "alert=queue", actuator: "webhook",
                                result: .failed, duration: 0.1, detail: "HTTP 500")]
        state.screen = .audit
        state.screenFilters[.audit] = "!result:ok"
        #expect(TableRows.audit(audit, state).map(\.user) == ["bo"])
        state.screenFilters[.audit] = "action:re:^sc"
        #expect(TableRows.audit(audit, state).map(\.user) == ["ana"])
    }
}

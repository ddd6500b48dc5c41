import FleetCore
import Foundation
import Synchronization
import Testing

/// A pool of `nodes` nodes with `waiting` queued and `rate` requests/s finished, and its
/// latency: e2e quantiles scaled by `slow`, with an e2e p95 objective under 2 s and, when
/// asked, an error-rate objective.
private func fleet(time: Double, waiting: Int = 0, rate: Double = 10, slow: Double = 1, errors: Double? = nil,
                   errorObjective: SLOObjective? = nil) -> FleetSnapshot {
    var pool = PoolSnapshot(id: "chat", kind: .gpu, engine: "vllm", model: "m", nodes: 4, nodesUp: 4, running: 8, waiting: waiting,
                            arrivalRate: rate, completionRate: rate, shedRate: 0, history: PoolHistory(capacity: 4))
    pool.errorRate = errors
    let e2e = SLOObjective(metric: .e2e, percentile: 95, target: 2)
    let latency = PoolLatency(pool: "chat", ttft: Quantiles(p50: 0.1, p90: 0.2, p95: 0.3, p99: 0.5),
                              e2e: Quantiles(p50: 0.8 * slow, p90: 1.4 * slow, p95: 1.8 * slow, p99: 2.5 * slow), samples: 100,
                              objectives: [e2e] + (errorObjective.map { [$0] } ?? []), breached: [])
    return FleetSnapshot(time: time, timeOfDay: time, source: SourceInfo(kind: .simulation, name: "t", title: "t"), pools: [pool],
                         nodes: [], caches: [], latency: [latency], cost: CostSnapshot(pools: [], history: SeriesRing(capacity: 1)),
                         events: [])
}

@Suite struct AlertRuleTests {
    @Test func expressionsReadEachSignalInItsUnit() throws {
        let ttft = try AlertRule.parse(expression: "ttft_p95 > 250ms").get()
        #expect(ttft.0 == .latency(.ttft, percentile: 95) && ttft.1 == .above && abs(ttft.2 - 0.25) < 1e-12)
        let itl = try AlertRule.parse(expression: "itl_mean>=0.08").get()
        #expect(itl.0 == .latency(.tpot, percentile: 0) && itl.1 == .atLeast && itl.2 == 0.08)
        let errors = try AlertRule.parse(expression: "error_rate > 1.5%").get()
        #expect(errors.0 == .errorRate && abs(errors.2 - 0.015) < 1e-12)
        let up = try AlertRule.parse(expression: "nodes_up < 2").get()
        #expect(up.0 == .nodesUp && up.1 == .below && up.2 == 2)
        #expect(try AlertRule.parse(expression: "cost_per_hour <= $40").get().2 == 40)
        #expect(try AlertRule.parse(expression: "shed_rate > 3/s").get().2 == 3)
        #expect(AlertRule(name: "q", signal: .waitingPerNode, comparison: .above, threshold: 8).expression == "waiting_per_node > 8")
    }

    @Test func badExpressionsSayWhatIsWrong() {
        func problem(_ text: String) -> String? {
            if case .failure(let e) = AlertRule.parse(expression: text) { return e.message }
            return nil
        }
        #expect(problem("ttft_p95 2s")?.contains("expected SIGNAL > THRESHOLD") == true)
        #expect(problem("ttft_p97 > 2s")?.contains("unknown signal 'ttft_p97'") == true)
        #expect(problem("ttft_p97 > 2s")?.contains("waiting_per_node") == true)
        #expect(problem("error_rate > lots")?.contains("not a threshold for error_rate (e.g. 5% or 0.05)") == true)
        #expect(problem("waiting > \u{1B}[31m")?.contains("\u{1B}") == false)
    }

    @Test func theSectionIsReadAndItsErrorsNameTheLine() throws {
        let good = try AlertSettings.read(YAMLValue.parse("""
            bell: true
            burn_rate: false
            webhook: {url: "http://127.0.0.1:9/hook", timeout_ms: 1500}
            rules:
              - {name: queue, expr: "waiting_per_node > 8", for: 2m, severity: ticket, pools: [chat]}
              - {name: slow, expr: "tpot_p95 > 80ms"}
            """, file: "c.yaml"))
        #expect(good.bell && !good.burnRate && good.webhook?.timeout == 1.5 && good.rules.count == 2)
        #expect(good.rules[0].forSeconds == 120 && good.rules[0].severity == .ticket && good.rules[0].pools == ["chat"])
        #expect(good.rules[1].severity == .page && good.rules[1].forSeconds == 0)
        func error(_ text: String) -> String {
            do { _ = try AlertSettings.read(YAMLValue.parse(text, file: "c.yaml")); return "" } catch { return "\(error)" }
        }
        #expect(error("rules:\n  - {name: a, expr: \"nope > 1\"}\n").hasPrefix("c.yaml:2"))
        #expect(error("rules:\n  - {name: a, expr: \"waiting > 1\", for: soon}\n").contains("expected a duration"))
        #expect(error("rules:\n  - {name: a, expr: \"waiting > 1\"}\n  - {name: a, expr: \"waiting > 2\"}\n").contains("two rules are called 'a'"))
        #expect(error("rules:\n  - {name: \"a b\", expr: \"waiting > 1\"}\n").contains("a rule's name"))
        #expect(error("rules:\n  - {name: a, expr: \"waiting > 1\", severity: loud}\n").contains("loud"))
        #expect(error("webhook: {url: \"ftp://x\"}\n").contains("http:// or https://"))
        #expect(error("rule: []\n").contains("rule"))
    }
}

@Suite struct AlertEvaluatorTests {
    @Test func aRuleIsPendingForItsDurationThenFiresAndResolves() {
        var e = AlertEvaluator(settings: AlertSettings(rules: [
            AlertRule(name: "queue", signal: .waitingPerNode, comparison: .above, threshold: 2, forSeconds: 30, severity: .page)],
            burnRate: false))
        #expect(e.evaluate(fleet(time: 0, waiting: 4)).alerts.isEmpty)
        let pending = e.evaluate(fleet(time: 10, waiting: 12))
        #expect(pending.alerts.map(\.state) == [.pending] && pending.transitions.isEmpty)
        #expect(e.evaluate(fleet(time: 39, waiting: 12)).alerts.map(\.state) == [.pending])
        let fired = e.evaluate(fleet(time: 40, waiting: 12))
        #expect(fired.alerts.map(\.state) == [.firing] && fired.transitions.map(\.fired) == [true])
        let event = fired.transitions[0].event(at: 40)
        #expect(event.kind == .alert && event.severity == .critical && event.pool == "chat")
        #expect(event.message == "alert queue firing on chat: waiting_per_node 3 > 2 for 30s [page]")
        #expect(e.evaluate(fleet(time: 50, waiting: 16)).transitions.isEmpty)
        let resolved = e.evaluate(fleet(time: 100, waiting: 0))
        #expect(resolved.alerts.isEmpty && resolved.transitions.map(\.fired) == [false])
        #expect(resolved.transitions[0].event(at: 100).message == "alert queue resolved on chat after 1m")
        #expect(resolved.transitions[0].event(at: 100).kind == .alertResolved)
        // A condition that lapses while pending starts over.
        _ = e.evaluate(fleet(time: 110, waiting: 12))
        _ = e.evaluate(fleet(time: 120, waiting: 0))
        #expect(e.evaluate(fleet(time: 130, waiting: 12)).alerts.first?.since == 130)
    }

    @Test func aRuleNamingPoolsWatchesOnlyThemAndAMissingFigureIsNotTrue() {
        var e = AlertEvaluator(settings: AlertSettings(rules: [
            AlertRule(name: "other", signal: .waiting, comparison: .above, threshold: 0, pools: ["batch"]),
            AlertRule(name: "errors", signal: .errorRate, comparison: .above, threshold: 0.01)], burnRate: false))
        #expect(e.evaluate(fleet(time: 0, waiting: 50)).alerts.isEmpty)
        #expect(e.evaluate(fleet(time: 1, errors: 0.05)).alerts.map(\.name) == ["errors"])
    }

    @Test func theBadShareIsExactAtTheQuantilesAndInterpolatedBetween() {
        let o = SLOObjective(metric: .e2e, percentile: 95, target: 2)
        let q = LatencySignals(e2e: Quantiles(p50: 1, p90: 1.5, p95: 2, p99: 3))
        #expect(ErrorBudgetLedger.badShare(of: o, in: q) == 0.05)
        #expect(abs(ErrorBudgetLedger.badShare(of: SLOObjective(metric: .e2e, percentile: 95, target: 2.5), in: q)! - 0.03) < 1e-12)
        #expect(ErrorBudgetLedger.badShare(of: SLOObjective(metric: .e2e, percentile: 95, target: 7), in: q) == 0)
        #expect(ErrorBudgetLedger.badShare(of: SLOObjective(metric: .e2e, percentile: 95, target: 0.5), in: q) == 0.75)
        #expect(ErrorBudgetLedger.badShare(of: SLOObjective(metric: .errorRate, percentile: 0, target: 0.001),
                                           in: LatencySignals(errorRate: 0.02)) == 0.02)
        #expect(ErrorBudgetLedger.badShare(of: o, in: LatencySignals()) == nil)
        #expect(ErrorBudgetLedger.budget(of: o) == 0.05 && ErrorBudgetLedger.budget(of: SLOObjective(metric: .tpot, percentile: 0, target: 1)) == nil)
    }

    @Test func theLedgerKeepsThreeDaysByTheMinuteAndForgetsWhatItSkips() {
        var l = ErrorBudgetLedger()
        for minute in 0..<120 { l.add(requests: 100, badShare: minute < 60 ? 0 : 0.5, at: Double(minute * 60)) }
        #expect(l.counts(over: 300) == (total: 500, bad: 250))
        #expect(l.counts(over: 7200) == (total: 12_000, bad: 3000))
        #expect(abs(l.burnRate(over: 3600, budget: 0.05)! - 10) < 1e-9)
        // Time going back is ignored; a jump past the ring empties it.
        l.add(requests: 1e6, badShare: 1, at: 0)
        #expect(l.counts(over: 300).total == 500)
        l.add(requests: 10, badShare: 0, at: 120 * 60 + 4 * 86_400)
        #expect(l.counts(over: 3 * 86_400) == (total: 10, bad: 0))
        #expect(l.covered == 3 * 86_400)
        l.add(requests: .infinity, badShare: 0, at: 1e16)
        #expect(l.counts(over: 60).total == 10)
    }

    @Test func aFastBurnPagesASlowOneOpensATicketAndFewRequestsGiveNone() {
        // The content platform's 99.99% availability: 0.01% of requests may fail.
        let availability = SLOObjective(metric: .errorRate, percentile: 0, target: 0.0001)
        func run(errors: Double, rate: Double, minutes: Int) -> [FleetAlert] {
            var e = AlertEvaluator(settings: AlertSettings())
            var last: [FleetAlert] = []
            for m in 0...minutes { last = e.evaluate(fleet(time: Double(m * 60), rate: rate, errors: errors, errorObjective: availability)).alerts }
            return last
        }
        // 0.2% failing burns 20x: over 14.4x on the hour and the five minutes.
        let fast = run(errors: 0.002, rate: 10, minutes: 61)
        #expect(fast.map(\.name) == ["error_rate-budget"] && fast.first?.severity == .page && fast.first?.state == .firing)
        #expect(fast.first?.summary.contains("budget burning 20.0x over 1h00m and 20.0x over 5m (alert at 14.4x)") == true)
        // 0.03% burns 3x: no page, a ticket (over 1x for the 6 h and the 3 d windows).
        let slow = run(errors: 0.0003, rate: 10, minutes: 30)
        #expect(slow.map(\.severity) == [.ticket])
        // The same burn on a trickle: under 20 requests in the short window, no verdict.
        #expect(run(errors: 0.002, rate: 0.005, minutes: 61).isEmpty)
        // The budget: 20x over the hour has spent it 19 times over.
        var e = AlertEvaluator(settings: AlertSettings(burnRate: false))
        var budgets: [ErrorBudgetStatus] = []
        for m in 0...60 { budgets = e.evaluate(fleet(time: Double(m * 60), errors: 0.002, errorObjective: availability)).budgets }
        let b = budgets.first { $0.objective == availability }
        #expect(b?.budget == 0.0001 && abs((b?.remaining ?? 0) - -19) < 1e-6 && abs((b?.attainment ?? 0) - 0.998) < 1e-9)
        #expect(b?.burnRate(over: 300).map { abs($0 - 20) < 1e-6 } == true)
    }

    @Test func theEngineJudgesATickOnceAndMergesItsLinesInTimeOrder() {
        let engine = AlertEngine(settings: AlertSettings(rules: [AlertRule(name: "busy", signal: .waiting, comparison: .above, threshold: 1)],
                                                         burnRate: false))
        let delivered = Mutex<[Bool]>([])
        engine.deliver { t in delivered.withLock { $0 += t.map(\.fired) } }
        var s = fleet(time: 5, waiting: 3)
        s.events = [FleetEvent(time: 1, severity: .info, kind: .note, message: "before"),
                    FleetEvent(time: 5, severity: .info, kind: .note, message: "same tick")]
        let once = engine.apply(to: s)
        let twice = engine.apply(to: s)
        #expect(once.events.map(\.message) == ["before", "same tick", "alert busy firing on chat: waiting 3 > 1 [page]"])
        #expect(twice == once && delivered.withLock { $0 } == [true])
        #expect(once.alerts?.map(\.state) == [.firing] && once.firingAlerts.count == 1 && once.budgets?.count == 1)
        var later = fleet(time: 6, waiting: 0)
        later.events = s.events
        #expect(engine.apply(to: later).events.last?.message == "alert busy resolved on chat after 1s")
        #expect(delivered.withLock { $0 } == [true, false])
    }
}

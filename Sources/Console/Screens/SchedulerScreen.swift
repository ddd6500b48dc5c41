import FleetCore

/// Screen 7: the scheduler model's view. What it warns of, the what-if candidates it ranked
/// (predicted p95, queue, cost delta, time to effect), why the first one wins, the routing
/// classifier's standing, and the load forecast of the pool the round was about.
enum SchedulerScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) {
        guard let advice = ctx.advice else {
            let inner = Panel.draw(&canvas, body, title: "Scheduler", glyphs: ctx.glyphs)
            let text = ctx.snapshot.replay != nil ? "the advisor does not run during a replay"
                : ctx.advisorOff ? "the advisor is off (--no-advisor): no forecasts, what-ifs or predictions"
                : "the advisor has not finished its first round yet (it forks the fleet for each candidate action)"
            canvas.put(text, x: inner.x + 1, y: inner.y, role: .dim, maxWidth: inner.width - 2)
            return
        }
        let pool = advice.recommendations.first?.pool ?? ctx.snapshot.pools.first?.id ?? ""
        // The round's panel takes what its lines need, at least half the screen; the forecasts
        // take the rest (at least six rows), a row of graphs per pool when there is room.
        let needed = 2 + advice.warnings.count + (advice.note == nil ? 0 : 1) + (advice.twin.isEmpty ? 0 : 1 + 3 * advice.twin.count)
            + 2 + 1 + advice.recommendations.count + (advice.routing == nil ? 0 : 3)
        let (top, bottom) = body.splitTop(min(body.height - 6, max(needed, body.height / 2)))
        let seeds = advice.recommendations.compactMap { $0.interval?.seeds }.max() ?? 1
        let inner = Panel.draw(&canvas, top, title: "Scheduler: what-if \(Format.duration(advice.horizon)) ahead, \(seeds) seed\(seeds == 1 ? "" : "s")", glyphs: ctx.glyphs,
                               rightTitle: "round at \(Format.clock(ctx.startTimeOfDay + advice.time)), took \(Format.latency(advice.roundSeconds))")
        var y = inner.y
        for w in advice.warnings where y < inner.maxY {
            canvas.put("! " + w.message, x: inner.x + 1, y: y, role: .crit, maxWidth: inner.width - 2)
            y += 1
        }
        if let note = advice.note {
            canvas.put(note, x: inner.x + 1, y: y, role: .dim, maxWidth: inner.width - 2)
            y += 1
        }
        if !advice.twin.isEmpty, y < inner.maxY {
            y = drawTwin(&canvas, advice.twin, in: Rect(x: inner.x, y: y, width: inner.width, height: inner.maxY - y), glyphs: ctx.glyphs)
        }
        if let active = advice.active {
            canvas.put("recommended: \(active.title)", x: inner.x + 1, y: y, role: .warn, maxWidth: inner.width - 2)
            canvas.put("a applies it", x: inner.maxX - 14, y: y, role: .key)
            y += 1
            canvas.put(active.why, x: inner.x + 3, y: y, role: .dim, maxWidth: inner.width - 4)
            y += 1
        } else if let best = advice.recommendations.first, best.action != nil {
            // Best this round, not yet through the hysteresis: shown, not yet offered.
            canvas.put("watching: \(best.title) is best this round; recommended if it still is next round",
                       x: inner.x + 1, y: y, role: .warn, maxWidth: inner.width - 2)
            y += 1
        } else if advice.note == nil {
            canvas.put("nothing to do: " + (advice.recommendations.first?.why ?? "no candidate beats the fleet as it is"),
                       x: inner.x + 1, y: y, role: .ok, maxWidth: inner.width - 2)
            y += 1
        }
        let routingLines = advice.routing == nil ? 0 : 3
        let tableRect = Rect(x: inner.x, y: y, width: inner.width, height: max(0, inner.maxY - y - routingLines))
        if !advice.recommendations.isEmpty {
            // The candidate as wide as its longest title; what is left, on a wide terminal, says why.
            let titleWidth = min(56, max(24, advice.recommendations.map { TerminalText.width($0.title) }.max() ?? 24))
            var columns: [Table.Column] = [
                .init("#", width: 2, alignment: .right), .init("CANDIDATE", width: titleWidth),
                .init("SLO%", width: 5, alignment: .right), .init("E2E P95", width: 7, alignment: .right),
                .init("TTFT P95", width: 8, alignment: .right), .init("QUEUE", width: 5, alignment: .right),
                .init("$/H Δ", width: 9, alignment: .right), .init("EFFECT", width: 6, alignment: .right),
                .init("RISK", width: 4, alignment: .right), .init("WHY", width: nil, minWidth: 30, priority: 0),
            ]
            var rows = advice.recommendations.enumerated().map { i, r -> [Table.TableCell] in
                let role: StyleRole = r.meetsSLO ? .normal : .warn
                return [.init("\(i + 1)", .dim), .init(r.title, i == 0 ? .accent : .normal), .init(Format.percent(r.attainment), role),
                        .init(Format.latency(r.e2eP95), role), .init(Format.latency(r.ttftP95)), .init("\(r.queuePeak)"),
                        .init(Format.dollarDelta(r.costDeltaPerHour), r.costDeltaPerHour > 0 ? .warn : .normal),
                        .init(r.timeToEffect > 0 ? Format.duration(r.timeToEffect) : "now"), .init("\(r.risk.rawValue)", r.risk > .anotherTier ? .warn : .normal),
                        .init(r.why, .dim)]
            }
            if seeds > 1 {
                // The Monte Carlo spread, after the e2e p95 it brackets; on a narrow terminal it
                // goes first, before WHY.
                columns.insert(.init("OVER SEEDS", width: 13, alignment: .right, priority: 0), at: 4)
                for (i, r) in advice.recommendations.enumerated() {
                    rows[i].insert(.init(r.interval.map { PredictionInterval.latencyText($0.e2eP95) } ?? "", .dim), at: 4)
                }
            }
            Table(columns: columns, rows: rows).draw(&canvas, tableRect, glyphs: ctx.glyphs)
        }
        if let r = advice.routing {
            let ry = inner.maxY - 3
            canvas.put("routing classifier (\(r.model)):", x: inner.x + 1, y: ry, role: .title, maxWidth: inner.width - 2)
            canvas.put("agrees with the simulator's best route on \(Format.percent(r.agreement)) of \(r.heldOut) held-out requests; "
                       + r.savingsText,
                       x: inner.x + 3, y: ry + 1, maxWidth: inner.width - 4)
            canvas.put("over SLO: static \(Format.percent(r.staticMissRate)), classifier \(Format.percent(r.classifierMissRate)); routes "
                       + r.tierShares.map { "\($0.tier) \(Format.percent($0.share))" }.joined(separator: ", "),
                       x: inner.x + 3, y: ry + 2, role: .dim, maxWidth: inner.width - 4)
        }

        // The round's pool first, then the others while each gets at least six rows.
        let pools = ([pool] + ctx.snapshot.pools.map(\.id).filter { $0 != pool }).compactMap { ctx.snapshot.pool($0) }
        let shown = max(1, min(pools.count, (bottom.height - 2) / 6))
        let title = shown == 1 ? "\(pool): the last 5 min and the next 15 (band: 80%)"
            : "\(shown) of \(pools.count) pools: the last 5 min and the next 15 (band: 80%)"
        let graphs = Panel.draw(&canvas, bottom, title: title, glyphs: ctx.glyphs)
        let each = graphs.height / shown
        for (i, p) in pools.prefix(shown).enumerated() {
            let row = Rect(x: graphs.x, y: graphs.y + i * each, width: graphs.width, height: each)
            let f = advice.forecast(ofPool: p.id)
            let halves = row.columns([50, 50])
            for (k, (label, history, band)) in [("arrivals/s", p.history.arrivalRate.values, f?.arrivalRate),
                                                 ("waiting", p.history.waiting.values, f?.waiting)].enumerated() {
                let area = halves[k]
                let ahead = band?.mean.last.map { " -> \(Format.compact($0)) in 15 min" } ?? ""
                let name = shown == 1 ? "" : "\(p.id) "
                canvas.put("\(name)\(label) \(Format.compact(history.last ?? 0))\(ahead)", x: area.x + 1, y: row.y, role: .dim,
                           maxWidth: area.width - 2)
                ForecastGraph.draw(&canvas, history: history, forecast: band,
                                   in: Rect(x: area.x + 1, y: row.y + 1, width: area.width - 2, height: row.height - 1),
                                   glyphs: ctx.glyphs, ceiling: k == 1 ? 4 : nil)
            }
        }
    }

    /// The twin of each watched pool: its prediction for the last window on one row and what
    /// the pool's telemetry showed on the next, then what it was calibrated to. Returns the
    /// first free line.
    static func drawTwin(_ canvas: inout Canvas, _ reports: [TwinPoolReport], in area: Rect, glyphs: Glyphs) -> Int {
        let columns: [Table.Column] = [
            .init("TWIN", width: nil, minWidth: 16), .init("TTFT P50", width: 8, alignment: .right),
            .init("TTFT P95", width: 8, alignment: .right), .init("E2E P50", width: 8, alignment: .right),
            .init("E2E P95", width: 8, alignment: .right), .init("ERR", width: 6, alignment: .right),
        ]
        var rows: [[Table.TableCell]] = []
        for r in reports {
            let window = "last \(Format.duration(r.window))"
            for (label, p, role) in [("predicted", r.predicted, StyleRole.accent), ("observed", r.observed, .normal)] {
                let error = label == "observed" ? r.e2eP95Error.map { String(format: "%+.0f%%", $0 * 100) } ?? "" : ""
                rows.append([.init(label == "predicted" ? "\(r.pool) \(label) (\(window))" : "  \(label)", role),
                             .init(Format.latency(p?.ttftP50)), .init(Format.latency(p?.ttftP95)),
                             .init(Format.latency(p?.e2eP50)), .init(Format.latency(p?.e2eP95), role),
                             .init(error, abs(r.e2eP95Error ?? 0) > 0.25 ? .warn : .dim)])
            }
        }
        // The header, two rows a pool, and a calibration line a pool; what does not fit is cut.
        let height = min(area.height, 1 + rows.count)
        Table(columns: columns, rows: rows).draw(&canvas, Rect(x: area.x, y: area.y, width: area.width, height: height), glyphs: glyphs)
        var y = area.y + height
        for r in reports where y < area.maxY {
            canvas.put(calibration(r), x: area.x + 1, y: y, role: .dim, maxWidth: area.width - 2)
            y += 1
        }
        return y
    }

    /// What one pool's twin was calibrated to, and the first thing it had to assume.
    static func calibration(_ r: TwinPoolReport) -> String {
        let fitted = "\(r.pool): \(r.nodes) nodes · \(Format.compact(r.arrivalRate)) req/s · in \(Int(r.promptTokens.rounded())) "
            + "out \(Int(r.outputTokens.rounded())) tok · \(r.slots) slots · step \(Format.latency(r.stepAtOne))"
            + "+\(Format.latency(r.perSequence))/seq+\(Format.latency(r.perPromptToken))/prompt tok"
        return fitted + (r.notes.first.map { "; assumed: \($0)" } ?? "")
    }
}

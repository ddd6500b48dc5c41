import FleetCore

/// One pool opened (Enter on the Pools screen, `:pool NAME`): its figures, its objectives with
/// their error budgets and what is breached or firing, its queue and arrivals over time, its
/// nodes, and what was done to it (its actions, alerts and breaches from the events log; the
/// audit screen and `fleetdeck audit` hold the whole record).
enum PoolDetailScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, pool p: PoolSnapshot, ctx: ScreenContext) {
        let s = ctx.snapshot
        let sep = ctx.glyphs == .ascii ? "/" : "·"
        let inner = Panel.draw(&canvas, body, title: "\(p.id)  \(p.engine) \(sep) \(p.model)", glyphs: ctx.glyphs,
                               rightTitle: "+ - d b act on it  Esc back")
        let x = inner.x + 1, width = inner.width - 2
        var y = inner.y
        let lat = s.latency(ofPool: p.id)
        let cost = s.cost.pools.first { $0.pool == p.id }
        var facts = [
            p.kind == .api ? "api" : "nodes \(p.nodesUp)/\(p.nodes) up", "in \(Format.compact(p.arrivalRate))/s",
            "done \(Format.compact(p.completionRate))/s", "shed \(Format.compact(p.shedRate))/s",
            "running \(p.running)", "waiting \(p.waiting)",
            "TTFT p95 \(Format.latency(lat?.ttft.p95))", "e2e p95 \(Format.latency(lat?.e2e.p95))",
        ]
        if let tpot = lat?.tpot.flatMap({ $0.p95 ?? $0.mean }) { facts.append("TPOT \(Format.latency(tpot))") }
        if let e = p.errorRate { facts.append(String(format: "errors %.2f%%", e * 100)) }
        if let pre = p.preemptionsPerSecond { facts.append("preempt \(Format.compact(pre))/s") }
        facts.append("\(Format.dollars(cost?.dollarsPerHour))/h")
        if let modes = p.degradeModes, !modes.isEmpty { facts.append("degraded: " + modes.map(\.shortName).joined(separator: ",")) }
        y = drawFlowing(&canvas, facts, x: x, y: y, width: width)

        // Objectives: breached ones named, then the budgets.
        let objectives = lat?.objectives ?? []
        let breached = lat?.breached ?? []
        let alerts = (s.alerts ?? []).filter { $0.pool == p.id }
        if objectives.isEmpty {
            canvas.put("no SLO on this pool", x: x, y: y, role: .dim, maxWidth: width)
            y += 1
        } else {
            let line = objectives.map { o in
                let now = lat.flatMap { l -> Double? in
                    o.metric == .errorRate ? p.errorRate : l.quantiles(o.metric)?.value(atPercentile: o.percentile)
                }
                return "\(o.title) \(now.map(o.formatted) ?? "-") < \(o.formatted(o.target))"
                    + (breached.contains(o) ? " BREACHED" : "")
            }.joined(separator: "   ")
            canvas.put(TerminalText.truncated("SLO  " + line, to: width, ellipsis: ctx.glyphs.ellipsis), x: x, y: y,
                       role: breached.isEmpty ? .normal : .crit, maxWidth: width)
            y += 1
        }
        for a in alerts.prefix(3) where y < inner.maxY {
            let role: StyleRole = a.state == .pending ? .dim : a.severity == .page ? .crit : .warn
            canvas.put(TerminalText.truncated("\(a.state == .firing ? "FIRING" : "pending") \(a.severity.rawValue) \(a.name): \(a.summary)",
                                              to: width, ellipsis: ctx.glyphs.ellipsis), x: x, y: y, role: role, maxWidth: width)
            y += 1
        }
        let budgets = (s.budgets ?? []).filter { $0.pool == p.id }
        if !budgets.isEmpty, y + budgets.count + 1 < inner.maxY {
            ErrorBudgetTable.draw(&canvas, Rect(x: x, y: y, width: width, height: budgets.count + 1), budgets: budgets,
                                  showPool: false, glyphs: ctx.glyphs)
            y += budgets.count + 1
        }
        y += 1

        // What is left: graphs on the left half, the nodes and the history on the right; on a
        // narrow terminal one above the other.
        let rest = Rect(x: x, y: y, width: width, height: max(0, inner.maxY - y))
        guard rest.height >= 4 else { return }
        let wide = rest.width >= 150
        let halves = wide ? rest.columns([50, 50]) : [rest]
        let graphArea = wide ? halves[0] : Rect(x: rest.x, y: rest.y, width: rest.width, height: min(rest.height / 2, 8))
        drawGraphs(&canvas, p, in: graphArea, ctx: ctx)
        var listArea = wide ? halves[1] : Rect(x: rest.x, y: graphArea.maxY + 1, width: rest.width, height: rest.maxY - graphArea.maxY - 1)
        if wide { listArea = Rect(x: listArea.x + 1, y: listArea.y, width: listArea.width - 1, height: listArea.height) }
        guard listArea.height >= 3 else { return }
        let nodes = NodeList.rows(s, state: ctx.state).filter { $0.pool == p.id }
        let nodeHeight = min(nodes.count + 1, max(3, listArea.height / 2))
        drawNodes(&canvas, nodes, in: Rect(x: listArea.x, y: listArea.y, width: listArea.width, height: nodeHeight), ctx: ctx)
        let historyArea = Rect(x: listArea.x, y: listArea.y + nodeHeight + 1, width: listArea.width,
                               height: listArea.maxY - listArea.y - nodeHeight - 1)
        drawHistory(&canvas, p, in: historyArea, ctx: ctx)
    }

    /// `items` separated by three spaces, as many to a line as fit; returns the next free row.
    static func drawFlowing(_ canvas: inout Canvas, _ items: [String], x: Int, y: Int, width: Int) -> Int {
        var y = y
        var line = ""
        for f in items {
            if !line.isEmpty, TerminalText.width(line) + 3 + TerminalText.width(f) > width {
                canvas.put(line, x: x, y: y, maxWidth: width)
                y += 1
                line = ""
            }
            line += (line.isEmpty ? "" : "   ") + f
        }
        canvas.put(line, x: x, y: y, maxWidth: width)
        return y + 1
    }

    static func drawGraphs(_ canvas: inout Canvas, _ p: PoolSnapshot, in area: Rect, ctx: ScreenContext) {
        let series: [(String, [Double], ForecastBand?, StyleRole)] = [
            ("waiting \(p.waiting)", p.history.waiting.values, ctx.advice?.forecast(ofPool: p.id)?.waiting, p.waiting > 0 ? .warn : .graph),
            ("in \(Format.compact(p.arrivalRate))/s", p.history.arrivalRate.values, ctx.advice?.forecast(ofPool: p.id)?.arrivalRate, .graph),
            ("e2e p95 \(Format.latency(ctx.snapshot.latency(ofPool: p.id)?.e2e.p95))", p.history.e2eP95.values, nil, .graph),
        ]
        let each = max(2, area.height / series.count)
        for (k, (label, values, forecast, role)) in series.enumerated() {
            let y = area.y + k * each
            guard y + 2 <= area.maxY else { break }
            // The scale the bars are drawn to, since the graph has no axis of its own.
            let top = max(values.max() ?? 0, forecast?.upper.max() ?? 0)
            let scale = k == 2 ? Format.latency(top) : Format.compact(top)
            canvas.put(TerminalText.truncated("\(label)   peak \(scale), last \(Format.duration(Double(values.count)))",
                                              to: area.width, ellipsis: ctx.glyphs.ellipsis), x: area.x, y: y, role: .dim)
            ForecastGraph.draw(&canvas, history: values, forecast: forecast,
                               in: Rect(x: area.x, y: y + 1, width: area.width, height: min(each, area.maxY - y) - 1),
                               glyphs: ctx.glyphs, role: role)
        }
    }

    static func drawNodes(_ canvas: inout Canvas, _ nodes: [NodeSnapshot], in area: Rect, ctx: ScreenContext) {
        let columns: [Table.Column] = [
            .init("NODE", width: nil, minWidth: 12), .init("STATE", width: 8), .init("GPU%", width: 5, alignment: .right),
            .init("KV%", width: 5, alignment: .right), .init("RUN", width: 5, alignment: .right),
            .init("WAIT", width: 5, alignment: .right), .init("TOK/S", width: 7, alignment: .right),
        ]
        let rows = nodes.map { n -> [Table.TableCell] in
            [.init(n.id), .init(n.state.rawValue, ScreenStyle.role(for: n.state)), .init(ScreenStyle.pct(n.gpuUtilization)),
             .init(ScreenStyle.pct(n.kvCacheUsage), ScreenStyle.role(forLoad: n.kvCacheUsage)), .init("\(n.running)"),
             .init("\(n.waiting)", n.waiting > 0 ? .warn : .normal), .init(Format.compact(n.tokensPerSecond))]
        }
        var table = Table(columns: columns, rows: rows)
        table.targets = nodes.map { .node($0.id) }
        table.draw(&canvas, area, glyphs: ctx.glyphs)
    }

    /// Actions, alerts and breaches that name the pool (the events log), and its audit entries.
    static func drawHistory(_ canvas: inout Canvas, _ p: PoolSnapshot, in area: Rect, ctx: ScreenContext) {
        guard area.height >= 2 else { return }
        canvas.put("what happened to \(p.id)", x: area.x, y: area.y, role: .header, maxWidth: area.width)
        let kinds: [FleetEvent.Kind] = [.action, .alert, .alertResolved, .sloBreach, .sloRecovered, .incident]
        let events = ctx.snapshot.events.filter { e in
            kinds.contains(e.kind) && (e.pool == p.id || e.message.contains(p.id))
        }
        let rect = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        if events.isEmpty {
            canvas.put("no action, alert or breach on this pool in the events log", x: rect.x, y: rect.y, role: .dim, maxWidth: rect.width)
            return
        }
        EventLog.draw(&canvas, events, in: rect, startTimeOfDay: ctx.startTimeOfDay, glyphs: ctx.glyphs)
    }
}

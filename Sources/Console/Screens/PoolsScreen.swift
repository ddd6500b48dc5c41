import FleetCore

/// One row per pool with its traffic, caches, latency and cost, then each pool's queue and
/// arrival history as graphs.
enum PoolsScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) {
        let s = ctx.snapshot
        let pools = TableRows.pools(s, ctx.state)
        let tableHeight = min(body.height / 2, pools.count + 3)
        let (top, bottom) = body.splitTop(max(5, tableHeight))
        let inner = Panel.draw(&canvas, top, title: ScreenStyle.countTitle("Pools", pools.count, of: s.pools.count), glyphs: ctx.glyphs)
        let columns: [Table.Column] = [
            .init("POOL", width: nil, minWidth: 12), .init("ENGINE", width: 8), .init("NODES", width: 6, alignment: .right),
            .init("IN/S", width: 7, alignment: .right), .init("DONE/S", width: 7, alignment: .right),
            .init("SHED/S", width: 6, alignment: .right), .init("RUN", width: 5, alignment: .right),
            .init("WAIT", width: 5, alignment: .right), .init("RESP%", width: 5, alignment: .right),
            .init("PFX%", width: 5, alignment: .right), .init("E2E p95", width: 7, alignment: .right),
            .init("TPOT", width: 6, alignment: .right), .init("ERR%", width: 5, alignment: .right),
            .init("PRE/S", width: 6, alignment: .right, priority: 0),
            .init("$/H", width: 8, alignment: .right), .init("$/1M", width: 8, alignment: .right),
            // Kept ahead of the cost columns when a mode is on: the operator must see it.
            .init("DEGRADED", width: nil, minWidth: 8, priority: s.pools.contains { $0.degradeModes != nil } ? 3 : 0),
        ]
        let rows = pools.map { p -> [Table.TableCell] in
            let lat = s.latency(ofPool: p.id)
            let resp = s.caches.first { $0.kind == .response && $0.pool == p.id }?.hitRate
            let pfx = s.caches.first { $0.kind == .prefix && $0.pool == p.id }?.hitRate
            let cost = s.cost.pools.first { $0.pool == p.id }
            let breached = !(lat?.breached.isEmpty ?? true)
            let errorsBreached = lat?.breached.contains { $0.metric == .errorRate } ?? false
            // TPOT p95 where the engine gives quantiles, else its mean (llama.cpp).
            let tpot = lat?.tpot.flatMap { $0.p95 ?? $0.mean }
            return [
                .init(p.id, breached ? .crit : .normal), .init(p.engine, .dim),
                .init(p.kind == .api ? "api" : "\(p.nodesUp)/\(p.nodes)", p.nodesUp < p.nodes ? .crit : .normal),
                .init(Format.compact(p.arrivalRate)), .init(Format.compact(p.completionRate)),
                .init(Format.compact(p.shedRate), p.shedRate > 0.05 ? .crit : .normal),
                .init("\(p.running)"), .init("\(p.waiting)", p.waiting > 0 ? .warn : .normal),
                .init(resp.map(ScreenStyle.pct) ?? "-"), .init(pfx.map(ScreenStyle.pct) ?? "-"),
                .init(Format.latency(lat?.e2e.p95), breached ? .crit : .normal),
                .init(Format.latency(tpot), lat?.breached.contains { $0.metric == .tpot } == true ? .crit : .normal),
                .init(p.errorRate.map { String(format: "%.1f", $0 * 100) } ?? "-",
                      errorsBreached ? .crit : (p.errorRate ?? 0) > 0.01 ? .warn : .normal),
                .init(p.preemptionsPerSecond.map(Format.compact) ?? "-"),
                .init(Format.dollars(cost?.dollarsPerHour)), .init(Format.dollars(cost?.dollarsPerMillionRequests)),
                .init((p.degradeModes ?? []).map(\.shortName).joined(separator: ","), .warn),
            ]
        }
        // The selected row is what + - d b act on here.
        let selected = pools.firstIndex { $0.id == ctx.state.selectedPoolID } ?? 0
        var table = Table(columns: columns, rows: rows, selected: pools.isEmpty ? nil : selected)
        table.targets = pools.map { .pool($0.id) }
        table.draw(&canvas, inner, glyphs: ctx.glyphs)

        // History: a graph per pool of its queue and arrival rate, as many as fit.
        let past = "Queue depth and arrivals, last \(Format.duration(Double(s.pools.first?.history.waiting.capacity ?? 0)))"
        let graphs = Panel.draw(&canvas, bottom, title: ctx.advice?.forecasts.isEmpty == false ? past + " | forecast 15 min (band: 80%)" : past,
                                glyphs: ctx.glyphs)
        // Each pool's graphs grow with the panel (3 to 12 rows), and a wide terminal adds its
        // e2e p95 beside them; each label gives the scale the bars are drawn to.
        let rowsPerPool = pools.isEmpty ? 3 : max(3, min(12, graphs.height / pools.count))
        let wide = graphs.width >= 150
        let areas = graphs.columns(wide ? [34, 33, 33] : [50, 50])
        for (i, p) in pools.enumerated() {
            let y = graphs.y + i * rowsPerPool
            guard y + rowsPerPool <= graphs.maxY else { break }
            let lat = s.latency(ofPool: p.id)
            let series: [(String, [Double], ForecastBand?, Double?, StyleRole, (Double) -> String)] = [
                ("\(p.id) waiting \(p.waiting)", p.history.waiting.values, ctx.advice?.forecast(ofPool: p.id)?.waiting, 4,
                 p.waiting > 0 ? .warn : .graph, Format.compact),
                ("\(p.id) in \(Format.compact(p.arrivalRate))/s", p.history.arrivalRate.values, ctx.advice?.forecast(ofPool: p.id)?.arrivalRate,
                 nil, .graph, Format.compact),
                ("\(p.id) e2e p95 \(Format.latency(lat?.e2e.p95))", p.history.e2eP95.values, nil, nil,
                 lat?.breached.isEmpty == false ? .crit : .graph, Format.latency),
            ]
            for (area, (label, values, forecast, ceiling, role, format)) in zip(areas, series) {
                let top = max(values.max() ?? 0, forecast?.upper.max() ?? 0, ceiling ?? 0)
                let text = rowsPerPool > 3 ? "\(label)   peak \(format(top))" : label
                canvas.put(TerminalText.truncated(text, to: area.width - 2, ellipsis: ctx.glyphs.ellipsis), x: area.x + 1, y: y, role: .dim)
                ForecastGraph.draw(&canvas, history: values, forecast: forecast,
                                   in: Rect(x: area.x + 1, y: y + 1, width: area.width - 2, height: rowsPerPool - 1),
                                   glyphs: ctx.glyphs, ceiling: ceiling, role: role)
            }
        }
    }
}

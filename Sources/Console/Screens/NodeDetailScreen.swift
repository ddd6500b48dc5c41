import FleetCore

/// One node: its state and counters, a row per GPU, and history graphs.
enum NodeDetailScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, node n: NodeSnapshot, ctx: ScreenContext) {
        let title = "\(n.id)  \(n.pool) · \(n.engine) · \(n.model) \(n.version)"
        let inner = Panel.draw(&canvas, body, title: ctx.glyphs == .ascii ? title.replacingOccurrences(of: "·", with: "/") : title,
                               glyphs: ctx.glyphs, rightTitle: (ctx.state.dayHistory ? "24 h by minute" : "15 min by second") + " (z)  i inspect  Esc back")
        var y = inner.y
        let x = inner.x + 1
        var cx = canvas.put("state ", x: x, y: y, role: .dim)
        cx += canvas.put(n.state.rawValue, x: x + cx, y: y, role: ScreenStyle.role(for: n.state))
        if let reason = n.stateReason { canvas.put("  \(reason)", x: x + cx, y: y, role: ScreenStyle.role(for: n.state), maxWidth: inner.width - cx - 2) }
        y += 1
        let facts = [
            "running \(n.running)", "waiting \(n.waiting)", "KV cache \(Format.percent(n.kvCacheUsage))",
            "gen \(Format.compact(n.tokensPerSecond)) tok/s", "prompt \(Format.compact(n.promptTokensPerSecond)) tok/s",
            "prefix hit \(Format.percent(n.prefixCacheHitRate))", "preempt \(Format.compact(n.preemptionsPerSecond))/s",
        ]
        // As many facts per line as fit, then the next line.
        var line = ""
        for f in facts {
            if !line.isEmpty, TerminalText.width(line) + 3 + TerminalText.width(f) > inner.width - 2 {
                canvas.put(line, x: x, y: y, maxWidth: inner.width - 2)
                y += 1
                line = ""
            }
            line += (line.isEmpty ? "" : "   ") + f
        }
        canvas.put(line, x: x, y: y, maxWidth: inner.width - 2)
        y += 2

        // GPUs
        let gpuRows = n.gpus.map { g -> [Table.TableCell] in
            let (filled, empty) = Gauge.bar(g.utilization, width: 20, glyphs: ctx.glyphs)
            return [.init("GPU\(g.index)"), .init(g.name, .dim),
                    .init(filled + empty, ScreenStyle.role(forLoad: g.utilization) == .normal ? .bar : ScreenStyle.role(forLoad: g.utilization)),
                    .init(ScreenStyle.pct(g.utilization)),
                    .init(String(format: "%.1f/%.0f GiB", g.memoryUsedGiB, g.memoryTotalGiB)),
                    .init(String(format: "%.0f W", g.powerWatts)),
                    .init(String(format: "%.0f °C", g.temperatureC).replacingOccurrences(of: "°", with: ctx.glyphs == .ascii ? "" : "°"),
                          g.temperatureC > 80 ? .warn : .normal)]
        }
        let gpuColumns: [Table.Column] = [
            .init("GPU", width: 5), .init("MODEL", width: 10), .init("UTILISATION", width: 20),
            .init("%", width: 4, alignment: .right), .init("MEMORY", width: 14, alignment: .right),
            .init("POWER", width: 7, alignment: .right), .init("TEMP", width: 6, alignment: .right),
        ]
        // A node without GPUs (a CPU node, such as the local inference node) says so; its
        // utilisation graph is the share of time its CPU spent computing.
        let cpuOnly = n.gpus.isEmpty
        if cpuOnly {
            canvas.put("no GPUs: a CPU node; utilisation is the share of time spent computing", x: x, y: y, role: .dim, maxWidth: inner.width - 2)
            y += 2
        } else {
            let gpuHeight = min(n.gpus.count + 1, max(2, (inner.maxY - y) / 2))
            Table(columns: gpuColumns, rows: gpuRows).draw(&canvas, Rect(x: x, y: y, width: inner.width - 2, height: gpuHeight), glyphs: ctx.glyphs)
            y += gpuHeight + 1
        }

        // History graphs, two by two.
        let area = Rect(x: x, y: y, width: inner.width - 2, height: inner.maxY - y)
        guard area.height >= 4 else { return }
        let (topRow, bottomRow) = area.splitTop(area.height / 2)
        let tl = topRow.columns([50, 50]), bl = bottomRow.columns([50, 50])
        let day = ctx.state.dayHistory
        func series(_ s: TieredSeries) -> [Double] { day ? s.minuteValues : s.values }
        graph(&canvas, tl[0], "\(cpuOnly ? "CPU busy" : "GPU util") \(Format.percent(n.gpuUtilization))", series(n.history.gpuUtilization), ceiling: 1, ctx: ctx)
        graph(&canvas, tl[1], "KV cache \(Format.percent(n.kvCacheUsage))", series(n.history.kvCacheUsage), ceiling: 1, ctx: ctx)
        graph(&canvas, bl[0], "tokens/s \(Format.compact(n.tokensPerSecond))", series(n.history.tokensPerSecond), ceiling: nil, ctx: ctx)
        let queue = zip(series(n.history.running), series(n.history.waiting)).map { $0 + $1 }
        graph(&canvas, bl[1], "running+waiting \(Format.compact(Double(n.running) + Double(n.waiting)))", queue, ceiling: 4, ctx: ctx)
    }

    private static func graph(_ canvas: inout Canvas, _ area: Rect, _ label: String, _ values: [Double],
                              ceiling: Double?, ctx: ScreenContext) {
        // Two columns of air between neighbouring graphs.
        let rect = Rect(x: area.x, y: area.y, width: area.width - 2, height: area.height)
        guard rect.height >= 2, rect.width > 10 else { return }
        canvas.put(label, x: rect.x, y: rect.y, role: .title, maxWidth: rect.width - 1)
        let peak = values.max() ?? 0
        canvas.putRight("max " + (ceiling == 1 ? Format.percent(peak) : Format.compact(peak)), right: rect.maxX - 1,
                        y: rect.y, role: .dim, maxWidth: 14, ellipsis: ctx.glyphs.ellipsis)
        HistoryGraph.draw(&canvas, values, in: Rect(x: rect.x, y: rect.y + 1, width: rect.width - 1, height: rect.height - 1),
                          glyphs: ctx.glyphs, ceiling: ceiling)
    }
}

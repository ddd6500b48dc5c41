import FleetCore

/// The default screen: nodes on top; queues, caches and latency against SLO in the middle;
/// cost and the events log at the bottom. Panel sizes follow the terminal.
enum OverviewScreen {
    /// Returns the node table's scroll offset.
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) -> Int {
        // The middle row is as tall as its longest panel needs (within limits); the node table
        // and the events log share the rest.
        let s = ctx.snapshot
        let wanted = max(s.pools.count, s.caches.count, 2 * s.latency.count + 1) + 2
        let middleHeight = min(max(6, wanted), body.height * 36 / 100)
        let minimumBottom = max(6, (body.height - middleHeight) * 36 / 100)
        // A small fleet leaves its spare rows to the events log.
        let nodesHeight = min(s.nodes.count + 4, body.height - middleHeight - minimumBottom)
        let (nodesRect, rest) = body.splitTop(nodesHeight)
        let (middle, bottom) = rest.splitTop(middleHeight)
        let offset = NodeTablePanel.draw(&canvas, nodesRect, ctx: ctx, detailed: false)
        let m = middle.columns([28, 30, 42])
        QueuePanel.draw(&canvas, m[0], ctx: ctx)
        CachePanel.draw(&canvas, m[1], ctx: ctx)
        LatencyPanel.draw(&canvas, m[2], ctx: ctx)
        let b = bottom.columns([38, 62])
        CostPanel.draw(&canvas, b[0], ctx: ctx)
        EventsPanel.draw(&canvas, b[1], ctx: ctx)
        return offset
    }
}

enum NodeTablePanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext, detailed: Bool) -> Int {
        let rows = NodeList.rows(ctx.snapshot, state: ctx.state)
        let inner = Panel.draw(&canvas, rect, title: "Nodes (\(ctx.snapshot.nodes.count))", glyphs: ctx.glyphs)
        // Node ids are what the operator acts on: their column is as wide as the longest one.
        // Room for the mark before an id while any node is marked.
        let markWidth = ctx.state.markedNodeIDs.isEmpty ? 0 : TerminalText.width(ctx.glyphs.mark) + 1
        let idWidth = min(28 + markWidth, max(6, markWidth + (ctx.snapshot.nodes.map { TerminalText.width($0.id) }.max() ?? 6)))
        let poolWidth = min(18, max(6, ctx.snapshot.nodes.map { TerminalText.width($0.pool) }.max() ?? 6))
        var columns: [Table.Column] = [
            .init("NODE", width: idWidth, priority: 9), .init("POOL", width: poolWidth, priority: 3),
            .init("STATE", width: 8, priority: 8),
            .init("GPU%", width: 5, alignment: .right, priority: 7), .init("KV%", width: 4, alignment: .right, priority: 7),
            .init("RUN", width: 4, alignment: .right, priority: 6), .init("WAIT", width: 5, alignment: .right, priority: 7),
            .init("TOK/S", width: 6, alignment: .right, priority: 5),
        ]
        if detailed {
            columns += [.init("PROMPT/S", width: 8, alignment: .right, priority: 4),
                        .init("PREFIX%", width: 7, alignment: .right, priority: 4),
                        .init("PREEMPT/S", width: 9, alignment: .right, priority: 4),
                        .init("GPUS", width: 4, alignment: .right, priority: 3)]
        }
        columns.append(.init("MODEL / VERSION", width: nil, minWidth: 10, priority: 2))
        if detailed { columns.append(.init("REASON", width: nil, minWidth: 10, priority: 2)) }
        let sortIndex: Int? = {
            switch ctx.state.sort {
            case .node: return 0
            case .pool: return 1
            case .state: return 2
            case .gpu: return 3
            case .kvCache: return 4
            case .running: return 5
            case .waiting: return 6
            case .tokensPerSecond: return 7
            }
        }()
        let tableRows = rows.map { n -> [Table.TableCell] in
            let marked = ctx.state.markedNodeIDs.contains(n.id)
            var cells: [Table.TableCell] = [
                .init(marked ? "\(ctx.glyphs.mark) \(n.id)" : n.id, marked ? .accent : .normal), .init(n.pool, .dim), .init(n.state.rawValue, ScreenStyle.role(for: n.state)),
                .init(ScreenStyle.pct(n.gpuUtilization), ScreenStyle.role(forLoad: n.gpuUtilization)),
                .init(ScreenStyle.pct(n.kvCacheUsage), ScreenStyle.role(forLoad: n.kvCacheUsage)),
                .init("\(n.running)"), .init("\(n.waiting)", n.waiting > 0 ? .warn : .normal),
                .init(Format.compact(n.tokensPerSecond)),
            ]
            if detailed {
                cells += [.init(Format.compact(n.promptTokensPerSecond)),
                          .init(n.prefixCacheHitRate.map(ScreenStyle.pct) ?? "-"),
                          .init(n.preemptionsPerSecond > 0 ? Format.compact(n.preemptionsPerSecond) : "0",
                                n.preemptionsPerSecond > 0 ? .warn : .normal),
                          .init("\(n.gpus.count)")]
            }
            cells.append(.init("\(n.model) \(n.version)", .dim))
            if detailed { cells.append(.init(n.stateReason ?? "", ScreenStyle.role(for: n.state))) }
            return cells
        }
        let selected = ctx.state.selectedNodeID.flatMap { id in rows.firstIndex { $0.id == id } }
        var table = Table(columns: columns, rows: tableRows, selected: selected, sortColumn: sortIndex)
        table.sortDescending = ctx.state.sortDescending
        table.targets = rows.map { .node($0.id) }
        if rows.isEmpty {
            table.draw(&canvas, inner, glyphs: ctx.glyphs)
            canvas.put("no node matches '\(ctx.state.filter)'", x: inner.x + 1, y: inner.y + 1, role: .dim, maxWidth: inner.width - 1)
            Panel.drawRightTitle(&canvas, rect, "/\(ctx.state.filter): 0 of \(ctx.snapshot.nodes.count)", glyphs: ctx.glyphs)
            return 0
        }
        let offset = table.draw(&canvas, inner, offset: ctx.state.nodeScrollOffset, glyphs: ctx.glyphs)
        let position = Table.position(offset: offset, visibleRows: inner.height - 1, rowCount: rows.count)
        let filterNote = ctx.state.filter.isEmpty ? nil : "/\(ctx.state.filter): \(rows.count) of \(ctx.snapshot.nodes.count)"
        if let note = [filterNote, position].compactMap({ $0 }).joined(separator: " · ").nilIfEmpty {
            Panel.drawRightTitle(&canvas, rect, ctx.glyphs == .ascii ? note.replacingOccurrences(of: "·", with: "|") : note,
                                 glyphs: ctx.glyphs)
        }
        return offset
    }
}

enum QueuePanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext) {
        let inner = Panel.draw(&canvas, rect, title: "Queues (waiting)", glyphs: ctx.glyphs)
        guard inner.width > 10 else { return }
        let nameWidth = min(16, max(8, inner.width - 16))
        for (i, p) in ctx.snapshot.pools.enumerated() {
            guard i < inner.height else { break }
            if i == inner.height - 1 && ctx.snapshot.pools.count > inner.height {
                canvas.put("+\(ctx.snapshot.pools.count - i) more (3: pools)", x: inner.x, y: inner.y + i, role: .dim)
                break
            }
            let y = inner.y + i
            canvas.mark(Rect(x: inner.x, y: y, width: inner.width, height: 1), .pool(p.id))
            canvas.put(TerminalText.truncated(p.id, to: nameWidth, ellipsis: ctx.glyphs.ellipsis), x: inner.x, y: y, maxWidth: nameWidth)
            let count = p.kind == .api ? "api" : Format.compact(Double(p.waiting))
            canvas.putRight(count, right: inner.x + nameWidth + 6, y: y, role: p.waiting > 0 ? .warn : .normal, maxWidth: 5, ellipsis: ctx.glyphs.ellipsis)
            let series = p.history.waiting.values
            let sparkWidth = inner.width - nameWidth - 9
            if sparkWidth > 2 {
                Sparkline.draw(&canvas, series, x: inner.x + nameWidth + 7, y: y, width: sparkWidth,
                               glyphs: ctx.glyphs, role: p.waiting > 0 ? .warn : .graph, ceiling: 4)
            }
            canvas.put(Sparkline.trend(series.suffix(60).map { $0 }, glyphs: ctx.glyphs), x: inner.maxX - 1, y: y, role: .dim)
        }
    }
}

enum CachePanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext) {
        let inner = Panel.draw(&canvas, rect, title: "Cache hit rates", glyphs: ctx.glyphs)
        guard inner.width > 16 else { return }
        // Response caches first (they save whole requests), then the engines' prefix caches.
        let caches = ctx.snapshot.caches.sorted { ($0.kind == .response ? 0 : 1, $0.id) < ($1.kind == .response ? 0 : 1, $1.id) }
        let labelWidth = min(22, max(8, inner.width - 16))
        for (i, c) in caches.enumerated() {
            guard i < inner.height else { break }
            if i == inner.height - 1 && caches.count > inner.height {
                canvas.put("+\(caches.count - i) more", x: inner.x, y: inner.y + i, role: .dim)
                break
            }
            let label = (c.kind == .response ? "resp " : "pfx  ") + (c.pool ?? c.id)
            Gauge.draw(&canvas, label: TerminalText.truncated(label, to: labelWidth, ellipsis: ctx.glyphs.ellipsis),
                       fraction: c.hitRate, x: inner.x, y: inner.y + i, width: inner.width - 2,
                       labelWidth: labelWidth, glyphs: ctx.glyphs, role: c.kind == .response ? .accent : .bar)
            canvas.put(Sparkline.trend(Array(c.history.values.suffix(120)), glyphs: ctx.glyphs), x: inner.maxX - 1,
                       y: inner.y + i, role: .dim)
        }
    }
}

enum LatencyPanel {
    /// TTFT, end to end and what an objective names always; time per output token and queue
    /// time where the source measures them, when `measured` (the panel has room for them).
    static func metrics(_ l: PoolLatency, measured: Bool) -> [SLOObjective.Metric] {
        SLOObjective.Metric.latencies.filter { m in
            m == .ttft || m == .e2e || l.objectives.contains { $0.metric == m } || (measured && l.quantiles(m) != nil)
        }
    }

    static func label(_ m: SLOObjective.Metric) -> String { m == .queueTime ? "queue" : m.rawValue }

    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext) {
        let inner = Panel.draw(&canvas, rect, title: "Latency vs SLO (60 s window)", glyphs: ctx.glyphs)
        let columns: [Table.Column] = [
            .init("POOL", width: nil, minWidth: 8, priority: 5), .init("", width: 5, priority: 5),
            .init("p50", width: 6, alignment: .right, priority: 1), .init("p95", width: 6, alignment: .right, priority: 4),
            // The mean stays in sight when an objective judges it (llama.cpp's TPOT has nothing else).
            .init("p99", width: 6, alignment: .right, priority: 3),
            .init("mean", width: 6, alignment: .right,
                  priority: ctx.snapshot.latency.contains { $0.objectives.contains { $0.percentile == 0 } } ? 5 : 0),
            .init("SLO", width: 10, alignment: .right, priority: 5),
        ]
        // Breached pools first: the operator's eye goes to the top.
        let pools = ctx.snapshot.latency.sorted { ($0.breached.isEmpty ? 1 : 0, 0) < ($1.breached.isEmpty ? 1 : 0, 0) }
        var rows: [[Table.TableCell]] = []
        // The measured extras only when every pool's rows fit: a pool out of sight costs more than a row of TPOT.
        let measured = pools.reduce(0) { $0 + metrics($1, measured: true).count } <= inner.height - 1
        for l in pools {
            for metric in Self.metrics(l, measured: measured) {
                let q = l.quantiles(metric) ?? Quantiles()
                let objective = l.objectives.first { $0.metric == metric }
                let breached = objective.map { l.breached.contains($0) } ?? false
                func cell(_ p: Int, _ v: Double?) -> Table.TableCell {
                    guard let o = objective, o.percentile == p, let v else { return .init(Format.latency(v)) }
                    return .init(Format.latency(v), breached ? .crit : v > o.target * 0.8 ? .warn : .ok)
                }
                let slo: Table.TableCell = objective.map { o in
                    .init("\(o.statistic)<\(o.formatted(o.target))", breached ? .crit : .dim)
                } ?? .init("")
                rows.append([.init(metric == .ttft ? l.pool : "", breached ? .crit : .normal),
                             .init(Self.label(metric), .dim),
                             cell(50, q.p50), cell(95, q.p95), cell(99, q.p99), cell(0, q.mean), slo])
            }
        }
        let offset = Table(columns: columns, rows: rows).draw(&canvas, inner, glyphs: ctx.glyphs)
        if let position = Table.position(offset: offset, visibleRows: inner.height - 1, rowCount: rows.count) {
            Panel.drawRightTitle(&canvas, rect, position + " (3: pools)", glyphs: ctx.glyphs)
        }
    }
}

enum CostPanel {
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext) {
        let c = ctx.snapshot.cost
        let inner = Panel.draw(&canvas, rect, title: "Cost", glyphs: ctx.glyphs)
        guard inner.width > 20, inner.height > 0 else { return }
        var y = inner.y
        if c.dollarsPerHour == 0 && c.apiBaselinePerHour == 0 {
            // Watched fleets have no prices until the config gives them.
            canvas.put("no prices known for this fleet", x: inner.x, y: y, role: .dim, maxWidth: inner.width)
            return
        }
        /// A label and value on the left, a second figure on the right when there is room.
        func line(_ label: String, _ value: String, _ right: String = "", _ rightRole: StyleRole = .normal) {
            guard y < inner.maxY else { return }
            let l = canvas.put(label, x: inner.x, y: y, role: .dim, maxWidth: inner.width)
            let v = canvas.put(value, x: inner.x + l, y: y, role: .normal, maxWidth: inner.width - l)
            if !right.isEmpty, inner.width - l - v > TerminalText.width(right) + 1 {
                canvas.putRight(right, right: inner.maxX, y: y, role: rightRole, maxWidth: inner.width - l - v - 1)
            }
            y += 1
        }
        line("fleet ", "\(Format.dollars(c.dollarsPerHour))/h", "\(Format.dollars(c.dollarsPerMillionRequests))/1M req")
        let savings = c.savings
        line("all-API ", "\(Format.dollars(c.apiBaselinePerHour))/h", "saving \(Format.percent(savings))",
             (savings ?? 0) >= 0 ? .ok : .crit)
        if y < inner.maxY {
            canvas.put("$/h", x: inner.x, y: y, role: .dim)
            Sparkline.draw(&canvas, c.history.values, x: inner.x + 6, y: y, width: inner.width - 6, glyphs: ctx.glyphs)
            y += 1
        }
        for p in c.pools.sorted(by: { $0.dollarsPerHour > $1.dollarsPerHour }) {
            line("  \(p.pool) ", "\(Format.dollars(p.dollarsPerHour))/h", "\(Format.dollars(p.dollarsPerMillionRequests))/1M")
        }
        // A tall panel spends its spare rows on the spend over time, with its scale.
        let values = c.history.values
        guard inner.maxY - y >= 4, let top = values.max(), top > 0 else { return }
        y += 1
        canvas.put(TerminalText.truncated("$/h over the last \(Format.duration(Double(values.count))): "
                                          + "\(Format.dollars(values.min())) to \(Format.dollars(top))",
                                          to: inner.width, ellipsis: ctx.glyphs.ellipsis), x: inner.x, y: y, role: .dim)
        HistoryGraph.draw(&canvas, values, in: Rect(x: inner.x, y: y + 1, width: inner.width, height: inner.maxY - y - 1),
                          glyphs: ctx.glyphs, ceiling: top * 1.1)
    }
}

enum EventsPanel {
    /// `events` as given (the Events screen's, filtered), else the snapshot's.
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext, events: [FleetEvent]? = nil) {
        let back = ctx.state.eventScrollBack
        let all = ctx.snapshot.events
        let shown = events ?? all
        let inner = Panel.draw(&canvas, rect, title: ScreenStyle.countTitle("Events", shown.count, of: all.count, bare: true),
                               glyphs: ctx.glyphs, rightTitle: back > 0 ? "\(back) back ([ ])" : nil)
        EventLog.draw(&canvas, shown, in: inner, startTimeOfDay: ctx.startTimeOfDay, scrollBack: back,
                      glyphs: ctx.glyphs)
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

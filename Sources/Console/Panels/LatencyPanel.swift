import FleetCore
import Foundation

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

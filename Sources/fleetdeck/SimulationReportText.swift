import FleetCore
import Foundation
import Scheduler

/// The headless reports as text for a terminal: one table per report, fixed columns.
enum SimulationReportText {
    static func render(_ r: SimulationReport, wallSeconds: Double) -> String {
        var lines = [String(format: "%@ (seed %llu): %@ simulated in %.1f s wall, %@ requests (%.0f simulated requests per wall second)",
                            r.scenario, r.seed, Format.duration(r.durationSeconds), wallSeconds,
                            String(r.requests), Double(r.requests) / max(wallSeconds, 1e-9))]
        lines.append(pad(["pool", "requests", "shed", "req/s", "TTFT p50/p95/p99", "e2e p50/p95/p99", "TPOT p50",
                          "queue", "cache", "prefix", "cost", "SLO"], widths))
        for p in r.pools {
            let slo = p.slo.map { String(format: "%@ p%d %.2f%%%@", $0.metric, $0.percentile, $0.attainment * 100, $0.met ? "" : " MISSED") }
            lines.append(pad([
                p.pool, String(p.requests), String(p.shed), String(format: "%.1f", p.throughputRPS),
                triple(p.ttft), triple(p.e2e), p.tpot.map { Format.latency($0.p50) } ?? "-",
                String(p.queuePeak), percent(p.responseCacheHitRate), percent(p.prefixCacheHitRate),
                String(format: "$%.2f", p.costUSD), slo.joined(separator: ", "),
            ], widths))
        }
        lines.append(String(format: "total: %d requests, %d completed, %d shed, $%.2f", r.requests, r.completed, r.shed, r.costUSD))
        return lines.joined(separator: "\n")
    }

    static func render(_ r: TraceReplayReport) -> String {
        var lines = [
            "trace \(r.trace): \(r.requests) requests on \(r.profile) / \(r.model), engine \(r.engine)",
            String(format: "KV cache %d blocks of %d tokens, step overhead %@, %d steps, %d preemptions, peak waiting %d, peak KV %.0f%%",
                   r.kvBlocks, r.blockSize, Format.latency(r.stepOverheadSeconds), r.steps, r.preemptions, r.peakWaiting,
                   r.peakKVUsage * 100),
            pad(["", "p50", "p95", "p99"], [16, 10, 10, 10]),
        ]
        func row(_ name: String, _ q: LatencyQuantiles?) {
            guard let q else { return }
            lines.append(pad([name, Format.latency(q.p50), Format.latency(q.p95), Format.latency(q.p99)], [16, 10, 10, 10]))
        }
        row("TTFT", r.ttft); row("TPOT", r.tpot); row("end-to-end", r.e2e)
        if let m = r.measured, let e = r.relativeError {
            row("measured TTFT", m.ttft); row("measured TPOT", m.tpot); row("measured e2e", m.e2e)
            func errs(_ name: String, _ q: LatencyQuantiles) {
                lines.append(pad([name] + [q.p50, q.p95, q.p99].map { String(format: "%+.1f%%", $0 * 100) }, [16, 10, 10, 10]))
            }
            errs("TTFT error", e.ttft); errs("e2e error", e.e2e)
        }
        return lines.joined(separator: "\n")
    }

    private static let widths = [16, 10, 7, 9, 26, 26, 9, 7, 7, 7, 10, 0]

    private static func triple(_ q: LatencyQuantiles?) -> String {
        guard let q else { return "-" }
        return [q.p50, q.p95, q.p99].map(Format.latency).joined(separator: "/")
    }

    private static func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }

    private static func pad(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).map { c, w in w == 0 || c.count >= w ? c + " " : c + String(repeating: " ", count: w - c.count) }
            .joined().replacingOccurrences(of: " +$", with: "", options: .regularExpression)
    }
}

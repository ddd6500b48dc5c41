import FleetCore
import Foundation

/// The headless reports as text for a terminal (`fleetdeck simulate`): one table per report.
extension SimulationReport {
    static let table = TextTable(widths: [16, 10, 7, 9, 26, 26, 9, 7, 7, 7, 10, 0], spills: true)

    public func text(wallSeconds: Double) -> String {
        var lines = [String(format: "%@ (seed %llu): %@ simulated in %.1f s wall, %@ requests (%.0f simulated requests per wall second)",
                            scenario, seed, Format.duration(durationSeconds), wallSeconds,
                            String(requests), Double(requests) / max(wallSeconds, 1e-9))]
        lines.append(Self.table.row(["pool", "requests", "shed", "req/s", "TTFT p50/p95/p99", "e2e p50/p95/p99", "TPOT p50",
                                     "queue", "cache", "prefix", "cost", "SLO"]))
        for p in pools {
            let slo = p.slo.map { String(format: "%@ p%d %.2f%%%@", $0.metric, $0.percentile, $0.attainment * 100, $0.met ? "" : " MISSED") }
            lines.append(Self.table.row([
                p.pool, String(p.requests), String(p.shed), String(format: "%.1f", p.throughputRPS),
                p.ttft.triple, p.e2e.triple, p.tpot.map { Format.latency($0.p50) } ?? "-",
                String(p.queuePeak), Self.percent(p.responseCacheHitRate), Self.percent(p.prefixCacheHitRate),
                String(format: "$%.2f", p.costUSD), slo.joined(separator: ", "),
            ]))
        }
        lines.append(String(format: "total: %d requests, %d completed, %d shed, $%.2f", requests, completed, shed, costUSD))
        return lines.joined(separator: "\n")
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
}

extension TraceReplayReport {
    static let table = TextTable(widths: [16, 10, 10, 10], spills: true)

    public var text: String {
        var lines = [
            "trace \(trace): \(requests) requests on \(profile) / \(model), engine \(engine)",
            String(format: "KV cache %d blocks of %d tokens, step overhead %@, %d steps, %d preemptions, peak waiting %d, peak KV %.0f%%",
                   kvBlocks, blockSize, Format.latency(stepOverheadSeconds), steps, preemptions, peakWaiting, peakKVUsage * 100),
            Self.table.row(["", "p50", "p95", "p99"]),
        ]
        func row(_ name: String, _ q: LatencyQuantiles?) {
            guard let q else { return }
            lines.append(Self.table.row([name, Format.latency(q.p50), Format.latency(q.p95), Format.latency(q.p99)]))
        }
        row("TTFT", ttft); row("TPOT", tpot); row("end-to-end", e2e)
        if let m = measured, let e = relativeError {
            row("measured TTFT", m.ttft); row("measured TPOT", m.tpot); row("measured e2e", m.e2e)
            func errors(_ name: String, _ q: LatencyQuantiles) {
                lines.append(Self.table.row([name] + [q.p50, q.p95, q.p99].map { String(format: "%+.1f%%", $0 * 100) }))
            }
            errors("TTFT error", e.ttft); errors("e2e error", e.e2e)
        }
        return lines.joined(separator: "\n")
    }
}

extension Optional where Wrapped == LatencyQuantiles {
    /// "p50/p95/p99", or "-" without quantiles.
    var triple: String {
        guard let q = self else { return "-" }
        return [q.p50, q.p95, q.p99].map(Format.latency).joined(separator: "/")
    }
}

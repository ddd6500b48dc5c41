import Foundation

/// An advisor round as text for a terminal (`fleetdeck advise`): the ranking table, the
/// warnings, the routing report.
extension FleetAdvice {
    static let rankingTable = TextTable(widths: [3, 56, 8, 9, 15, 9, 7, 9, 8, 0])

    public var text: String {
        var lines = ["advisor round at t=\(Format.duration(time)), \(Format.duration(horizon)) ahead, took \(String(format: "%.3f", roundSeconds)) s"]
        for w in warnings { lines.append("warning: \(w.message)") }
        if let active { lines.append("recommended: \(active.title)") } else { lines.append("recommended: nothing to do") }
        lines.append("")
        let table = Self.rankingTable
        lines.append(table.row(["#", "candidate", "SLO", "e2e p95", "over seeds", "ttft p95", "queue", "$/h", "effect", "risk"]))
        for (i, r) in recommendations.enumerated() {
            lines.append(table.row(["\(i + 1)", r.title, Format.percent(r.attainment), Format.latency(r.e2eP95),
                                    r.interval.map { PredictionInterval.latencyText($0.e2eP95) } ?? "", Format.latency(r.ttftP95),
                                    "\(r.queuePeak)", Format.dollarDelta(r.costDeltaPerHour),
                                    r.timeToEffect > 0 ? Format.duration(r.timeToEffect) : "now", "\(r.risk.rawValue)"]))
        }
        if let r = routing {
            lines.append("")
            lines.append("routing classifier: \(r.model), trained on \(r.trainedOn) simulated requests")
            lines.append("  agreement with the simulator's best route: \(Format.percent(r.agreement)) of \(r.heldOut) held out")
            lines.append("  cost: \(r.savingsText)")
            lines.append("  over SLO: static split \(Format.percent(r.staticMissRate)), classifier \(Format.percent(r.classifierMissRate))")
            lines.append("  routes: " + r.tierShares.map { "\($0.tier) \(Format.percent($0.share))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}

extension FleetAdvice {
    static let twinTable = TextTable(widths: [16, 10, 10, 10, 10, 0])

    /// A round on a watched fleet's twin (`fleetdeck advise --config`): per pool, what the
    /// twin calibrated, its prediction for the last window against the observed one, what it
    /// had to assume; then the ranking as `text` prints it.
    public var twinText: String {
        var lines: [String] = []
        if let note { lines.append(note) }
        for r in twin {
            lines.append("\(r.pool): \(r.nodes) node(s), \(String(format: "%.2f", r.arrivalRate)) req/s, prompt \(Int(r.promptTokens.rounded())) "
                         + "and output \(Int(r.outputTokens.rounded())) tokens, \(r.slots) slot(s); step \(Format.latency(r.stepAtOne)) "
                         + "+ \(Format.latency(r.perSequence))/sequence + \(Format.latency(r.perPromptToken))/prompt token (shape: \(r.stepShape))")
            let t = Self.twinTable
            lines.append(t.row(["  last \(Format.duration(r.window))", "ttft p50", "ttft p95", "e2e p50", "e2e p95", ""]))
            for (label, p) in [("  predicted", r.predicted), ("  observed", r.observed)] {
                lines.append(t.row([label, Format.latency(p?.ttftP50), Format.latency(p?.ttftP95), Format.latency(p?.e2eP50),
                                    Format.latency(p?.e2eP95), ""]))
            }
            if let e = r.e2eP95Error { lines.append("  e2e p95 error: \(String(format: "%+.1f", e * 100))%") }
            for n in r.notes { lines.append("  assumed: \(n)") }
        }
        lines.append("")
        lines.append(text)
        return lines.joined(separator: "\n")
    }
}

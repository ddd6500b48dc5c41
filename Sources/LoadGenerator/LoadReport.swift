import FleetCore
import Foundation

/// A load's figures, from its requests' outcomes: what was sent, answered and lost, and the
/// latency the client saw.
public struct LoadReport: Sendable, Equatable {
    public struct Percentiles: Sendable, Equatable {
        public var p50: Double?, p90: Double?, p95: Double?, p99: Double?, highest: Double?

        /// Nearest-rank percentiles of `values`.
        public init(_ values: [Double]) {
            let s = values.filter(\.isFinite).sorted()
            func rank(_ q: Double) -> Double? {
                guard !s.isEmpty else { return nil }
                return s[min(s.count - 1, max(0, Int((q * Double(s.count)).rounded(.up)) - 1))]
            }
            p50 = rank(0.5); p90 = rank(0.9); p95 = rank(0.95); p99 = rank(0.99); highest = s.last
        }
    }

    public var duration: Double
    public var offeredRate: Double
    public var sent: Int
    public var ok: Int
    public struct Failure: Sendable, Equatable {
        public var reason: String
        public var count: Int
    }

    /// Failures by reason ("HTTP 503", "connection refused", ...), most frequent first.
    public var failures: [Failure]
    /// Arrivals not sent because `maxInFlight` requests were already waiting: the client's
    /// own limit, reported so that it never hides as a lower offered load.
    public var droppedAtClient: Int
    public var ttft: Percentiles
    public var e2e: Percentiles
    public var tpot: Percentiles
    public var outputTokens: Int

    public init(outcomes: [RequestOutcome], droppedAtClient: Int, duration: Double, offeredRate: Double) {
        self.duration = duration
        self.offeredRate = offeredRate
        self.droppedAtClient = droppedAtClient
        sent = outcomes.count
        let good = outcomes.filter { $0.result == .ok }
        ok = good.count
        var reasons: [String: Int] = [:]
        for o in outcomes where o.result != .ok { reasons[o.resultText, default: 0] += 1 }
        failures = reasons.map { Failure(reason: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
        ttft = Percentiles(good.compactMap(\.ttft))
        e2e = Percentiles(good.compactMap(\.e2e))
        tpot = Percentiles(good.compactMap(\.timePerOutputToken))
        outputTokens = good.reduce(0) { $0 + $1.outputTokens }
    }

    public var text: String {
        let table = TextTable(widths: [23, 9, 9, 9, 9, 0])
        func row(_ name: String, _ p: Percentiles) -> String {
            table.row([name] + [p.p50, p.p90, p.p95, p.p99, p.highest].map { Format.latency($0) })
        }
        let seconds = max(duration, 1e-9)
        var lines = [
            "offered \(Format.compact(offeredRate)) req/s for \(Format.duration(duration)): sent \(sent), ok \(ok), failed \(sent - ok), dropped at the client \(droppedAtClient)",
            "answered \(Format.compact(Double(ok) / seconds)) req/s; generated \(outputTokens) tokens, \(Format.compact(Double(outputTokens) / seconds)) tokens/s",
        ]
        for f in failures { lines.append("  \(f.count) x \(f.reason)") }
        lines += ["", table.row(["", "p50", "p90", "p95", "p99", "max"]), row("TTFT", ttft), row("end to end", e2e), row("time per output token", tpot)]
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String {
        func number(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "null" }
        func object(_ p: Percentiles) -> String {
            "{\"p50\":\(number(p.p50)),\"p90\":\(number(p.p90)),\"p95\":\(number(p.p95)),\"p99\":\(number(p.p99)),\"max\":\(number(p.highest))}"
        }
        let failed = failures.map { "{\"reason\":\(JSONString.quoted($0.reason)),\"count\":\($0.count)}" }.joined(separator: ",")
        return """
            {"duration_s":\(number(duration)),"offered_rps":\(number(offeredRate)),"sent":\(sent),"ok":\(ok),\
            "dropped_at_client":\(droppedAtClient),"failures":[\(failed)],"output_tokens":\(outputTokens),\
            "ttft_s":\(object(ttft)),"e2e_s":\(object(e2e)),"tpot_s":\(object(tpot))}
            """
    }
}

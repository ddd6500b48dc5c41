import FleetCore
import Testing

/// The one SLO rule: a breach after 5 samples over the target, a recovery after 15 under 95%
/// of it, no verdict on fewer than 20 requests.
@Suite struct SLOTrackerTests {
    let objective = SLOObjective(metric: .e2e, percentile: 95, target: 2)

    func feed(_ tracker: inout SLOTracker, _ values: [Double], samples: Int = 100) -> [SLOTracker.Transition] {
        values.flatMap { v in
            tracker.update(pool: "p", objectives: [objective],
                           measure: LatencySignals(e2e: Quantiles(p50: 1, p90: 1, p95: v, p99: v), samples: [.e2e: samples]).measure)
        }
    }

    @Test func aBreachNeedsFiveSamplesOverAndARecoveryFifteenUnderTheMargin() {
        var t = SLOTracker()
        #expect(feed(&t, Array(repeating: 2.5, count: 4)).isEmpty && t.breached("p").isEmpty)
        let breach = feed(&t, [2.5])
        #expect(breach.map(\.breached) == [true] && t.breached("p") == [objective])
        #expect(breach.first?.message == "SLO breach on p: e2e p95 2.50s > 2.00s" && breach.first?.kind == .sloBreach)
        // Under the target but above 95% of it: still breached, however long.
        #expect(feed(&t, Array(repeating: 1.95, count: 30)).isEmpty && t.breached("p") == [objective])
        // A dip back over resets the count.
        #expect(feed(&t, Array(repeating: 1.5, count: 14) + [2.5] + Array(repeating: 1.5, count: 14)).isEmpty)
        let recovery = feed(&t, [1.5])
        #expect(recovery.map(\.breached) == [false] && recovery.first?.kind == .sloRecovered && t.breached("p").isEmpty)
    }

    @Test func fewRequestsOrNoQuantileGiveNoVerdict() {
        var t = SLOTracker()
        #expect(feed(&t, Array(repeating: 9, count: 50), samples: 19).isEmpty)
        let none = (0..<10).flatMap { _ in t.update(pool: "p", objectives: [objective]) { _ in (nil, 1000) } }
        #expect(none.isEmpty && t.breached("p").isEmpty)
        #expect(feed(&t, Array(repeating: 9, count: 5), samples: 20).count == 1)
    }
}

@Suite struct SLOObjectiveTests {
    @Test func objectivesNameEverySignalAndTheMean() throws {
        let doc = try YAMLValue.parse("""
            slo:
              - {metric: tpot, percentile: 95, target_ms: 50}
              - {metric: itl, percentile: mean, target_ms: 30}
              - {metric: queue_time, percentile: 99, target_ms: 500}
              - {metric: error_rate, target_percent: 0.5}
            """, file: "c.yaml")
        let list = try SLOObjective.list(from: try doc.required("slo"))
        #expect(list == [SLOObjective(metric: .tpot, percentile: 95, target: 0.05), SLOObjective(metric: .tpot, percentile: 0, target: 0.03),
                         SLOObjective(metric: .queueTime, percentile: 99, target: 0.5), SLOObjective(metric: .errorRate, percentile: 0, target: 0.005)])
        #expect(list.map(\.title) == ["tpot p95", "tpot mean", "queue_time p99", "error_rate"])
        #expect(list[3].formatted(0.0125) == "1.25%" && list[0].formatted(0.05) == "50ms")
    }

    /// The simulator's what-ifs judge request by request on TTFT and end to end: a scenario
    /// naming another signal, or a mean, is told so.
    @Test func aReaderLimitsTheMetrics() throws {
        let tpot = try YAMLValue.parse("- {metric: tpot, percentile: 95, target_ms: 50}\n", file: "s.yaml")
        #expect(throws: ConfigFileError.self) { try SLOObjective.list(from: tpot, allowed: [.ttft, .e2e], means: false) }
        let mean = try YAMLValue.parse("- {metric: e2e, percentile: mean, target_ms: 50}\n", file: "s.yaml")
        #expect(throws: ConfigFileError.self) { try SLOObjective.list(from: mean, allowed: [.ttft, .e2e], means: false) }
        #expect(try SLOObjective.list(from: mean).first?.percentile == 0)
    }

    @Test func aBadObjectiveNamesItsLine() throws {
        let doc = try YAMLValue.parse("slo:\n  - {metric: tpot, percentile: 95, target_ms: 50}\n  - {metric: tpot, percentile: median, target_ms: 50}\n", file: "c.yaml")
        #expect(throws: ConfigFileError.self) { try SLOObjective.list(from: try doc.required("slo")) }
        do { _ = try SLOObjective.list(from: try doc.required("slo")) } catch {
            #expect("\(error)".contains("c.yaml:3") && "\(error)".contains("percentile"), "\(error)")
        }
    }
}

import FleetCore

extension FleetSimulator {
    /// Starts collecting what `report(duration:)` returns (per-request latencies in
    /// HdrHistograms); costs a little per request, so the console does not.
    public func collectReport(logRequests: Int = 0) {
        state.report = SimulationReportCollector(objectiveCounts: state.pools.map(\.spec.objectives.count), logRequests: logRequests,
                                           resolution: state.keepsNodeHistory ? .report : .whatIf)
        // The report covers what happens from now on (a fork's report, its horizon).
        for pi in state.pools.indices { state.pools[pi].cumulative = PoolTotals() }
        state.reportStart = state.totals
    }

    func collect(into report: SimulationReportCollector, dt: Double) {
        for (pi, p) in state.pools.enumerated() {
            var waiting = 0, prefixQueries = 0, prefixHits = 0, preemptions = 0
            for n in p.nodeIndices {
                let node = state.nodes[n]
                waiting += node.waiting.count
                prefixQueries += node.counters.prefixQueryTokens
                prefixHits += node.counters.prefixHitTokens
                preemptions += node.counters.preemptions
            }
            var cost = p.counters.apiCost
            if case .gpu = p.spec.kind { cost += p.dollarsPerHour * dt / 3600 }
            report.sample(pool: pi, waiting: waiting, costUSD: cost, cacheLookups: p.counters.cacheLookups,
                          cacheHits: p.counters.cacheHits, prefixQueries: prefixQueries, prefixHits: prefixHits,
                          preemptions: preemptions)
        }
    }

    /// The run so far, per pool. Nil unless `collectReport()` was called before the run.
    public func report(duration: Double) -> SimulationReport? {
        guard let report = state.report else { return nil }
        var out: [SimulationReport.Pool] = []
        for (pi, p) in state.pools.enumerated() {
            let acc = report.pools[pi]
            let c = p.cumulative
            let slo = p.spec.objectives.enumerated().map { i, o -> SimulationReport.SLOResult in
                let decided = acc.completed + c.shed - c.refused
                let attainment = decided > 0 ? Double(acc.withinTarget[i]) / Double(decided) : 1
                return SimulationReport.SLOResult(metric: o.metric.rawValue, percentile: o.percentile, targetSeconds: o.target,
                                                  attainment: attainment, met: attainment >= Double(o.percentile) / 100)
            }
            let kind: String
            switch p.spec.kind { case .gpu: kind = "gpu"; case .api: kind = "api" }
            out.append(SimulationReport.Pool(
                pool: p.spec.id, kind: kind, nodes: p.slice.map { Int($0.realProvisioned.rounded()) } ?? p.nodeIndices.count, requests: c.arrived, completed: acc.completed,
                shed: c.shed, refused: c.refused, throughputRPS: Double(acc.completed) / max(duration, 1e-9),
                outputTokensPerSecond: Double(c.tokensOut) / max(duration, 1e-9),
                ttft: SimulationReportCollector.quantiles(acc.ttft), tpot: SimulationReportCollector.quantiles(acc.tpot),
                e2e: SimulationReportCollector.quantiles(acc.e2e), queuePeak: acc.queuePeak,
                responseCacheHitRate: acc.cacheLookups > 0 ? Double(acc.cacheHits) / Double(acc.cacheLookups) : nil,
                prefixCacheHitRate: acc.prefixQueries > 0 ? Double(acc.prefixHits) / Double(acc.prefixQueries) : nil,
                preemptions: acc.preemptions, costUSD: acc.costUSD, slo: slo))
        }
        return SimulationReport(scenario: scenario.name, seed: seedUsed, durationSeconds: duration,
                                requests: state.totals.arrived - state.reportStart.arrived, completed: state.totals.completed - state.reportStart.completed,
                                shed: state.totals.shed - state.reportStart.shed,
                                costUSD: out.reduce(0) { $0 + $1.costUSD }, pools: out)
    }

    /// The requests answered by a pool's engines or API (not its cache) since `collectReport(logRequests:)`.
    func requestLog(pool pi: Int) -> [SimulationReportCollector.LoggedRequest] {
        state.report?.log.filter { $0.pool == pi } ?? []
    }
}

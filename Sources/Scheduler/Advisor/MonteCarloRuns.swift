import FleetCore

/// One candidate's what-ifs over several seeds. The ranking reads the median run, by how far
/// it falls short of the objectives and then by its attainment (the worse of the two middle
/// runs for an even count: a prediction to act on errs on the side of caution); the interval
/// is the least and the most each figure came to.
struct MonteCarloRuns {
    let runs: [WhatIfOutcome]

    init(_ runs: [WhatIfOutcome]) {
        precondition(!runs.isEmpty, "a candidate is played at least once")
        self.runs = runs
    }

    var median: WhatIfOutcome {
        let order = runs.sorted {
            let (a, b) = (RecommendationRanking.shortfall($0.report), RecommendationRanking.shortfall($1.report))
            if a != b { return a < b }
            return RecommendationRanking.attainment($0.report) > RecommendationRanking.attainment($1.report)
        }
        return order[order.count / 2]
    }

    func interval(pool: String) -> PredictionInterval? {
        guard runs.count > 1 else { return nil }
        let pools = runs.map { $0.report.pools.first { $0.pool == pool } }
        let attainment = runs.map { RecommendationRanking.attainment($0.report) }
        return PredictionInterval(seeds: runs.count, attainment: attainment.min()!...attainment.max()!,
                                  e2eP95: PredictionInterval.range(pools.map { $0?.e2e?.p95 }),
                                  ttftP95: PredictionInterval.range(pools.map { $0?.ttft?.p95 }))
    }
}

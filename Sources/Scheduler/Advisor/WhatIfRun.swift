import FleetCore

/// One candidate played forward in a fork of the fleet under the forecast load.
public struct WhatIfOutcome: Sendable {
    public var candidate: WhatIfCandidate
    public var report: SimulationReport
    /// Why the action could not be taken in the fork (no such tier...), or nil.
    public var failure: String?
    /// The first objective breach the console would have shown (after its confirmation
    /// samples), seconds after the fork began; only for a run that watched for one.
    public var firstBreach: (pool: String, objective: SLOObjective, after: Double)?
}

extension FleetSimulator {
    /// Requests in a pool's last minute for its breach to count in a what-if: the console
    /// flags a p95 from twenty, where one long answer decides it; a forecast acts on a hundred.
    static let breachEvidence = 100

    /// Forks this fleet, applies `candidate`, and runs `horizon` seconds of the load on `path`.
    /// `watchBreaches` steps sample by sample to note the first SLO breach (the early warning).
    public func whatIf(_ candidate: WhatIfCandidate, path: ArrivalPath, horizon: Double, seed: UInt64,
                       watchBreaches: Bool = false) -> WhatIfOutcome {
        let fork = FleetSimulator(forking: self, seed: seed)
        fork.follow(path)
        fork.collectReport()
        var failure: String?
        if let action = candidate.action, case .failure(let e) = fork.perform(action, label: "what-if") {
            failure = e.description
        }
        let start = fork.now
        var breach: (String, SLOObjective, Double)?
        if watchBreaches {
            let already = Set(fork.pools.indices.filter { !fork.pools[$0].breached.isEmpty })
            while fork.now < start + horizon {
                fork.advance(to: min(start + horizon, fork.now + sampleInterval))
                if breach == nil, let pi = fork.pools.indices.first(where: {
                    !already.contains($0) && !fork.pools[$0].breached.isEmpty && fork.pools[$0].e2e.window.total >= Self.breachEvidence
                }) {
                    breach = (fork.pools[pi].spec.id, fork.pools[pi].breached[0], fork.now - start)
                }
            }
        } else {
            fork.advance(to: start + horizon)
        }
        var report = fork.report(duration: horizon)!
        fork.judgeUnfinished(&report, refusing: candidate.refusesRequests)
        return WhatIfOutcome(candidate: candidate, report: report, failure: failure, firstBreach: breach)
    }

    /// Makes a what-if's attainment honest about what the report leaves out. A request still
    /// in flight at the end that is already older than its pool's tightest target is a miss
    /// (else a backlog would look free). Requests a degrade mode refused count as misses when
    /// the candidate itself switched that mode on: refusing work is not meeting an objective.
    func judgeUnfinished(_ report: inout SimulationReport, refusing pool: String?) {
        for (i, p) in report.pools.enumerated() {
            guard let pi = pools.firstIndex(where: { $0.spec.id == p.pool }),
                  let tightest = pools[pi].spec.objectives.map(\.target).min() else { continue }
            let overdue = pools[pi].nodeIndices.reduce(0) { $0 + nodes[$1].requests(arrivedBefore: now - tightest) }
            let refused = p.pool == pool ? p.refused : 0
            let decided = p.completed + p.shed - p.refused
            guard overdue + refused > 0, decided + overdue + refused > 0 else { continue }
            for j in p.slo.indices {
                let within = p.slo[j].attainment * Double(decided)
                let attainment = within / Double(decided + overdue + refused)
                report.pools[i].slo[j].attainment = attainment
                report.pools[i].slo[j].met = attainment >= Double(p.slo[j].percentile) / 100
            }
        }
    }
}

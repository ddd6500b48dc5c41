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
        return WhatIfOutcome(candidate: candidate, report: fork.report(duration: horizon)!, failure: failure,
                             firstBreach: breach)
    }
}

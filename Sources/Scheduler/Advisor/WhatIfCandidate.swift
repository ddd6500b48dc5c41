import FleetCore

/// One thing the advisor may recommend for a pool, tried in its own fork of the simulator.
public struct WhatIfCandidate: Sendable, Equatable {
    /// Nil for "do nothing".
    public var action: OperatorAction?
    public var title: String
    public var risk: RemedyRisk
    /// Seconds before it changes anything.
    public var timeToEffect: Double

    public init(action: OperatorAction?, title: String, risk: RemedyRisk, timeToEffect: Double) {
        self.action = action; self.title = title; self.risk = risk; self.timeToEffect = timeToEffect
    }

    public var remedy: Remedy { Remedy(action) }

    /// The pool whose requests this candidate refuses on purpose (shed low priority, cache
    /// only), or nil.
    public var refusesRequests: String? {
        guard case let .degrade(pool, mode, true)? = action, mode == .shedLowPriority || mode == .cacheOnly else { return nil }
        return pool
    }

    public static let nothing = WhatIfCandidate(action: nil, title: "do nothing", risk: .harmless, timeToEffect: 0)

    /// Removing replicas: it saves money, so it must show more headroom than a remedy.
    public var isScaleIn: Bool {
        if case .scale(_, let delta)? = action { return delta < 0 }
        return false
    }
}

extension FleetSimulator {
    /// Scale-in candidates for pool `id` when the fleet is healthy: one, two or four replicas
    /// fewer, never more than half of the live ones, never below one. Draining takes no new work
    /// at once, so they take effect now.
    public func scaleInCandidates(forPool id: String) -> [WhatIfCandidate] {
        guard let pi = pools.firstIndex(where: { $0.spec.id == id }), case .gpu = pools[pi].spec.kind,
              pools[pi].slice == nil else { return [] }
        let live = pools[pi].nodeIndices.filter { nodes[$0].state != .down && nodes[$0].state != .draining }.count
        return [1, 2, 4].filter { live - $0 >= 1 && live >= 2 * $0 }.map {
            WhatIfCandidate(action: .scale(pool: id, delta: -$0), title: "scale \(id) -\($0)", risk: .harmless, timeToEffect: 0)
        }
    }

    /// The advisor's candidates for pool `id`: do nothing; scale +1, +2, +4; each degrade mode
    /// the fleet can carry out that is not already on, and restoring each one that is (the way
    /// back down from a multi-level degradation); moving a quarter of the pool's split traffic
    /// to its blue/green partner.
    public func whatIfCandidates(forPool id: String) -> [WhatIfCandidate] {
        guard let pi = pools.firstIndex(where: { $0.spec.id == id }) else { return [.nothing] }
        var out = [WhatIfCandidate.nothing]
        if case .gpu = pools[pi].spec.kind {
            let cold = Self.coldStart(pools[pi].spec)
            for n in [1, 2, 4] {
                out.append(WhatIfCandidate(action: .scale(pool: id, delta: n), title: "scale \(id) +\(n)", risk: .harmless, timeToEffect: cold))
            }
        }
        for mode in DegradeMode.allCases where !pools[pi].degradeModes.contains(mode) {
            if mode == .smallerModel && smallerModelPool(than: pi) == nil { continue }
            if mode == .apiFallback && (apiPool() == nil || apiPool() == pi) { continue }
            if mode == .cacheOnly && pools[pi].cacheSpec == nil { continue }
            out.append(WhatIfCandidate(action: .degrade(pool: id, mode: mode, on: true), title: "degrade \(id): \(mode.title)",
                                       risk: RemedyRisk(mode), timeToEffect: 0))
        }
        for mode in DegradeMode.allCases where pools[pi].degradeModes.contains(mode) {
            out.append(WhatIfCandidate(action: .degrade(pool: id, mode: mode, on: false), title: "restore \(id): stop '\(mode.title)'",
                                       risk: .harmless, timeToEffect: 0))
        }
        if let partner = splitPartners(of: id).first {
            out.append(WhatIfCandidate(action: .shift(toward: partner, from: id, percent: 25),
                                       title: "reroute 25% of \(id)'s traffic to \(partner)", risk: .anotherTier, timeToEffect: 0))
        }
        return out
    }
}

import FleetCore

/// One thing the advisor may recommend for a pool, tried in its own fork of the simulator.
public struct WhatIfCandidate: Sendable, Equatable {
    /// Nil for "do nothing".
    public var action: FleetAction?
    /// The same through the console's actions path (confirmation, audit).
    public var operatorAction: OperatorAction?
    public var title: String
    /// Harm to users beyond money: 0 none (more replicas), 1 another tier answers (reroute, API
    /// fallback), 2 worse answers (smaller model, capped output), 3 refused low-priority
    /// requests, 4 refused cache misses.
    public var risk: Int
    /// Seconds before it changes anything.
    public var timeToEffect: Double
    /// Groups the steps of one remedy ("scale pool X up"), so hysteresis does not count +2
    /// and +4 as a change of mind.
    public var family: String

    /// The pool whose requests this candidate refuses on purpose (shed low priority, cache
    /// only), or nil.
    public var refusesRequests: String? {
        guard case let .degrade(pool, mode, true)? = action, mode == .shedLowPriority || mode == .cacheOnly else { return nil }
        return pool
    }

    public static let nothing = WhatIfCandidate(action: nil, operatorAction: nil, title: "do nothing", risk: 0,
                                                timeToEffect: 0, family: "nothing")
}

extension FleetSimulator {
    /// The advisor's candidates for pool `id`: do nothing; scale +1, +2, +4; each degrade mode
    /// the fleet can carry out that is not already on, and restoring each one that is (the way
    /// back down from a multi-level degradation); moving a quarter of the pool's split traffic
    /// to its blue/green partner.
    public func whatIfCandidates(forPool id: String) -> [WhatIfCandidate] {
        guard let pi = pools.firstIndex(where: { $0.spec.id == id }) else { return [.nothing] }
        var out = [WhatIfCandidate.nothing]
        if case .gpu = pools[pi].spec.kind {
            let cold = Self.coldStart(pools[pi].spec.model)
            for n in [1, 2, 4] {
                out.append(WhatIfCandidate(action: .scale(pool: id, delta: n), operatorAction: .scale(pool: id, delta: n),
                                           title: "scale \(id) +\(n)", risk: 0, timeToEffect: cold, family: "scale-up \(id)"))
            }
        }
        for mode in DegradeMode.allCases where !pools[pi].degradeModes.contains(mode) {
            if mode == .smallerModel && smallerModelPool(than: pi) == nil { continue }
            if mode == .apiFallback && (apiPool() == nil || apiPool() == pi) { continue }
            if mode == .cacheOnly && pools[pi].cacheSpec == nil { continue }
            let risk: Int
            switch mode {
            case .apiFallback: risk = 1
            case .smallerModel, .capMaxTokens: risk = 2
            case .shedLowPriority: risk = 3
            case .cacheOnly: risk = 4
            }
            out.append(WhatIfCandidate(action: .degrade(pool: id, mode: mode, on: true),
                                       operatorAction: .degrade(pool: id, mode: mode.rawValue, on: true),
                                       title: "degrade \(id): \(mode.title)", risk: risk, timeToEffect: 0,
                                       family: "degrade \(id) \(mode.rawValue)"))
        }
        for mode in DegradeMode.allCases where pools[pi].degradeModes.contains(mode) {
            out.append(WhatIfCandidate(action: .degrade(pool: id, mode: mode, on: false),
                                       operatorAction: .degrade(pool: id, mode: mode.rawValue, on: false),
                                       title: "restore \(id): stop '\(mode.title)'", risk: 0, timeToEffect: 0,
                                       family: "restore \(id) \(mode.rawValue)"))
        }
        if let partner = splitPartners(of: id).first {
            out.append(WhatIfCandidate(action: .shift(from: id, to: partner, percent: 25),
                                       operatorAction: .shiftToward(pool: partner, percent: 25),
                                       title: "reroute 25% of \(id)'s traffic to \(partner)", risk: 1, timeToEffect: 0,
                                       family: "reroute \(id)"))
        }
        return out
    }
}

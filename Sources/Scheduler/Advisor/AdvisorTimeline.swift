import FleetCore

extension Advisor {
    /// Runs `simulator` up to `time` (source seconds) as the console would: every sample feeds
    /// the forecast, and a round runs every `roundInterval`. With `applyActive`, an active
    /// recommendation is applied as soon as it appears (an operator pressing `a` at once).
    /// `onRound` sees each round and what, if anything, was applied. For headless runs and tests.
    public func follow(_ simulator: FleetSimulator, until time: Double, applyActive: Bool = false,
                       clock: any FleetClock = WallClock(), onRound: (FleetAdvice, OperatorAction?) -> Void) {
        var lastRound = -Double.infinity
        while simulator.now < time {
            simulator.advance(to: min(time, simulator.now + simulator.sampleInterval))
            let snapshot = simulator.snapshot()
            observe(snapshot)
            guard snapshot.time - lastRound >= settings.roundInterval else { continue }
            lastRound = snapshot.time
            let (advice, _) = round(fleet: simulator, snapshot: snapshot, clock: clock)
            var applied: OperatorAction?
            if applyActive, let action = advice.active?.action, case .success = simulator.perform(action, label: "advisor") {
                acknowledge(action)
                applied = action
            }
            onRound(advice, applied)
        }
    }
}

import FleetCore
import Foundation
import Synchronization

/// Runs a `FleetSimulator` against a clock at a chosen speed, off the render thread, and
/// publishes a snapshot after every sample. The simulator is touched only by the driver's task.
public final class SimulationDriver: FleetSource, @unchecked Sendable {
    private let simulator: FleetSimulator
    private let store: SnapshotStore
    private let clock: any FleetClock
    private let speed: Double
    private let stopped = Atomic<Bool>(false)
    /// Actions for the simulator, taken by the driver's task (the only one touching it).
    private let actions = Mutex<[(OperatorAction, CheckedContinuation<Result<String, FleetActionError>, Never>)]>([])
    /// Called on the driver's task after every published sample, with every node's
    /// cumulative vLLM-style figures (for `simulate --serve`).
    private let onSample: (@Sendable ([NodeExposition]) -> Void)?

    public init(simulator: FleetSimulator, store: SnapshotStore, speed: Double, clock: any FleetClock = WallClock(),
                onSample: (@Sendable ([NodeExposition]) -> Void)? = nil) {
        self.simulator = simulator
        self.store = store
        self.speed = speed
        self.clock = clock
        self.onSample = onSample
        let partners = Dictionary(uniqueKeysWithValues: simulator.scenario.pools.map { ($0.id, simulator.splitPartners(of: $0.id)) })
        splitPartners = { partners[$0] ?? [] }
        simulator.speed = speed
    }

    /// Runs the first `seconds` of simulated time at once, so the console opens on a fleet
    /// with history rather than on empty graphs. Call before `run()`.
    public func warmUp(seconds: Double) {
        simulator.advance(to: simulator.now + seconds)
        store.publish(simulator.snapshot())
        onSample?(simulator.expositions())
    }

    /// Paces the simulation until `stop()`; sleeps between samples.
    public func run() async {
        let wallStart = clock.now
        let simStart = simulator.now
        var published = simulator.sampleCount
        while !stopped.load(ordering: .relaxed) {
            takeActions()
            let target = simStart + (clock.now - wallStart) * speed
            // At most a second of simulated time per slice, so a stop request is seen promptly
            // even when the simulation falls behind a high --speed.
            // Every sample is published (a recorder sees each tick), even when a fast
            // --speed runs several per slice.
            while simulator.now < target, !stopped.load(ordering: .relaxed) {
                simulator.advance(to: min(target, simulator.now + simulator.sampleInterval))
                if simulator.sampleCount != published {
                    published = simulator.sampleCount
                    store.publish(simulator.snapshot())
                    onSample?(simulator.expositions())
                }
            }
            // Speed 0 holds the fleet still: nothing to wait for but a stop.
            let wait = speed > 0 ? min(0.1, (simulator.nextSampleTime - target) / speed) : 0.1
            try? await Task.sleep(nanoseconds: UInt64(min(0.5, max(0.02, wait)) * 1e9))
        }
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        let pending = actions.withLock { a -> [(OperatorAction, CheckedContinuation<Result<String, FleetActionError>, Never>)] in
            defer { a.removeAll() }
            return a
        }
        for (_, c) in pending { c.resume(returning: .failure(FleetActionError("the simulation stopped"))) }
    }

    /// Runs an action on the simulated fleet at its current time, on the driver's task.
    public func perform(_ action: OperatorAction) async -> Result<String, FleetActionError> {
        await withCheckedContinuation { c in
            guard !stopped.load(ordering: .relaxed) else { c.resume(returning: .failure(FleetActionError("the simulation stopped"))); return }
            actions.withLock { $0.append((action, c)) }
        }
    }

    /// Each pool's blue/green partners, for action plans on the caller's thread: read from
    /// the simulator once, at start (a fleet's classes and splits do not change as it runs).
    public let splitPartners: @Sendable (String) -> [String]

    private let forkRequests = Mutex<[@Sendable (ForkedFleet) -> Void]>([])

    /// A copy of the fleet as it stands, made on the driver's task between samples and handed
    /// to `deliver` there (the advisor's what-if base). Never called after `stop()`.
    public func requestFork(_ deliver: @escaping @Sendable (ForkedFleet) -> Void) {
        guard !stopped.load(ordering: .relaxed) else { return }
        forkRequests.withLock { $0.append(deliver) }
    }

    private func takeActions() {
        // Forks are made after this turn's actions: the advisor must see what was just done.
        defer {
            let forks = forkRequests.withLock { f -> [@Sendable (ForkedFleet) -> Void] in defer { f.removeAll() }; return f }
            for deliver in forks {
                deliver(ForkedFleet(simulator: FleetSimulator(forking: simulator, seed: simulator.seedUsed)))
            }
        }
        let pending = actions.withLock { a -> [(OperatorAction, CheckedContinuation<Result<String, FleetActionError>, Never>)] in
            defer { a.removeAll() }
            return a
        }
        guard !pending.isEmpty else { return }
        for (action, c) in pending { c.resume(returning: simulator.perform(action)) }
        store.publish(simulator.snapshot(refresh: true))
    }
}

/// A fork of the driver's simulator, handed to one other owner (the advisor's thread): nothing
/// else holds it, which is what makes passing it across threads sound.
public struct ForkedFleet: @unchecked Sendable {
    public let simulator: FleetSimulator
}

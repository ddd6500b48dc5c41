import FleetCore
import Foundation
import Synchronization

/// Runs the advisor on its own thread, never the render thread nor the simulator's task: it
/// feeds every new snapshot to the forecast, and every `roundInterval` source seconds asks
/// the driver for a fork of the fleet and runs a round, unless the fleet has not moved since
/// two rounds agreed (`RoundTrigger`). The console reads the newest round.
public final class AdvisorLoop: AdvisorFeed, @unchecked Sendable {
    private let advisor: Advisor
    private let store: SnapshotStore
    private let driver: SimulationDriver?
    /// A watched fleet's twin: refitted each round, and forked in place of a simulator.
    private let twin: FleetTwin?
    private let clock: any FleetClock
    private let latest = Mutex<FleetAdvice?>(nil)
    private let acknowledged = Mutex<[OperatorAction]>([])
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    /// Wall seconds between looks at the store.
    public var pollInterval = 0.2

    public init(advisor: Advisor, store: SnapshotStore, driver: SimulationDriver?, twin: FleetTwin? = nil,
                clock: any FleetClock = WallClock()) {
        self.advisor = advisor
        self.store = store
        self.driver = driver
        self.twin = twin
        self.clock = clock
        advisor.shouldStop = { [weak self] in self?.stopped.load(ordering: .relaxed) ?? true }
    }

    public func latestAdvice() -> FleetAdvice? { latest.withLock { $0 } }

    /// Also withdraws the published recommendation at once, so `a` cannot apply it twice
    /// before the next round.
    public func acknowledge(_ action: OperatorAction) {
        acknowledged.withLock { $0.append(action) }
        latest.withLock { advice in
            if let current = advice?.active?.action, Advisor.sameRemedy(current, action) { advice?.active = nil }
        }
    }

    public func start() {
        let thread = Thread { [self] in
            loop()
            done.signal()
        }
        thread.name = "fleetdeck-advisor"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// Returns once the round in progress has finished.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        done.wait()
    }

    private func loop() {
        var seen = 0
        var trigger = RoundTrigger()
        var acted = false
        while !stopped.load(ordering: .relaxed) {
            let (version, snapshot) = store.latest()
            for action in acknowledged.withLock({ a -> [OperatorAction] in defer { a.removeAll() }; return a }) {
                advisor.acknowledge(action)
                acted = true
            }
            if version != seen, let snapshot, snapshot.replay == nil {
                seen = version
                advisor.observe(snapshot)
                twin?.observe(snapshot)
                if trigger.due(snapshot, interval: advisor.settings.roundInterval, acted: acted),
                   let advice = runRound(snapshot) {
                    trigger.ran(snapshot, advice: advice)
                    acted = false
                }
            }
            Thread.sleep(forTimeInterval: pollInterval)
        }
    }

    @discardableResult
    private func runRound(_ snapshot: FleetSnapshot) -> FleetAdvice? {
        guard !stopped.load(ordering: .relaxed) else { return nil }
        let (advice, fresh) = driver != nil ? advisor.round(fleet: driver.flatMap(fork), snapshot: snapshot, clock: clock)
            : advisor.round(twin: twin, snapshot: snapshot, clock: clock)
        latest.withLock { $0 = advice }
        for w in fresh { store.note(.warning, "advisor: \(w.message)") }
        if let a = advice.active, fresh.isEmpty, previousActive != a.title {
            store.note(.info, "advisor recommends: \(a.title) (\(a.why)); press a on the scheduler screen to apply")
        }
        previousActive = advice.active?.title
        return advice
    }

    private var previousActive: String?

    /// The driver's fork of its fleet, waited for here (this thread only).
    private func fork(_ driver: SimulationDriver) -> FleetSimulator? {
        let box = Mutex<ForkedFleet?>(nil)
        let ready = DispatchSemaphore(value: 0)
        driver.requestFork { f in
            box.withLock { $0 = f }
            ready.signal()
        }
        // The driver takes requests every 20-500 ms; a stopped driver never answers.
        while ready.wait(timeout: .now() + 0.5) == .timedOut {
            if stopped.load(ordering: .relaxed) { return nil }
        }
        return box.withLock { $0 }?.simulator
    }
}

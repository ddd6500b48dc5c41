import Foundation
import Synchronization

/// Runs one piece of work on every core at once with low latency: a decode step is ~120
/// matrix products of well under a millisecond each, too short for a dispatch per product.
/// Workers are persistent threads that spin briefly on a generation counter between jobs
/// (the next product follows within microseconds) and sleep on a condition when idle, so an
/// idle runtime costs no CPU.
public final class ParallelRunner: @unchecked Sendable {
    public let threadCount: Int
    private let shared: SharedState

    /// `threads` includes the caller's own thread; 1 runs everything inline.
    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, spinLimit: Int = 20_000) {
        threadCount = max(1, threads)
        shared = SharedState(spinLimit: spinLimit)
        for worker in 1..<threadCount {
            let state = shared
            let thread = Thread { state.workerLoop(part: worker) }
            thread.name = "fleetdeck-infer-\(worker)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { shared.stop() }

    /// Calls `body(part)` for every part in 0..<threadCount, part 0 on the caller's thread, and
    /// returns when all have finished. Not reentrant: one caller at a time.
    public func run(_ body: (Int) -> Void) {
        if threadCount == 1 { body(0); return }
        withoutActuallyEscaping(body) { escapable in shared.run(escapable, workers: threadCount - 1) }
    }

    /// Splits 0..<count into one contiguous range per thread, each a multiple of `granule`
    /// long (but the last), and runs `body(part, range)` on each in parallel; `part` tells
    /// which thread's scratch space the body may use.
    public func parallelFor(_ count: Int, granule: Int = 1, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        let chunks = (count + granule - 1) / granule
        if threadCount == 1 || chunks < 2 { body(0, 0..<count); return }
        let parts = threadCount
        run { part in
            let lo = min(count, chunks * part / parts * granule)
            let hi = min(count, chunks * (part + 1) / parts * granule)
            if lo < hi { body(part, lo..<hi) }
        }
    }

    /// What the caller and the workers share; the workers keep it alive after the runner goes.
    private final class SharedState: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let remaining = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let condition = NSCondition()
        let spinLimit: Int
        // Written before the generation is bumped (release), read by the workers after they
        // see the bump (acquire).
        var job: ((Int) -> Void)?

        init(spinLimit: Int) { self.spinLimit = spinLimit }

        func run(_ body: @escaping (Int) -> Void, workers: Int) {
            job = body
            remaining.store(workers, ordering: .relaxed)
            wake()
            body(0)
            while remaining.load(ordering: .acquiring) > 0 {}
            job = nil
        }

        func stop() {
            stopping.store(true, ordering: .releasing)
            wake()
        }

        private func wake() {
            generation.add(1, ordering: .releasing)
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }

        func workerLoop(part: Int) {
            var seen = 0
            while true {
                var spins = 0
                while generation.load(ordering: .acquiring) == seen {
                    spins += 1
                    if spins > spinLimit {
                        condition.lock()
                        while generation.load(ordering: .acquiring) == seen { condition.wait() }
                        condition.unlock()
                    }
                }
                seen = generation.load(ordering: .acquiring)
                if stopping.load(ordering: .acquiring) { return }
                job?(part)
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }
}

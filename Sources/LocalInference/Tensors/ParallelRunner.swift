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
        withoutActuallyEscaping(body) { escapable in shared.run(escapable, workers: threadCount - 1, everyPart: true) }
    }

    /// Splits 0..<count into ranges that are multiples of `granule` long (but the last) and
    /// runs `body(part, range)` on each, on all threads in parallel; `part` tells which
    /// thread's scratch space the body may use.
    ///
    /// The ranges are claimed from a shared counter rather than dealt out one per thread: on
    /// a machine with other load (or a VM), a thread that is descheduled or wakes late would
    /// otherwise hold up the whole product while the others wait. For the same reason the
    /// caller does not wait for a worker that has not joined by the time the work runs out.
    public func parallelFor(_ count: Int, granule: Int = 1, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        let chunks = (count + granule - 1) / granule
        if threadCount == 1 || chunks < 2 { body(0, 0..<count); return }
        // A few pieces per thread for balance, more for big products (the output matrix) so
        // that a late thread leaves little behind; each claim is one contended atomic add.
        let pieces = min(chunks, max(4 * threadCount, chunks / 32))
        let shared = shared
        shared.nextPiece.store(0, ordering: .relaxed)
        withoutActuallyEscaping(body) { body in
            shared.run({ part in
                while true {
                    let i = shared.nextPiece.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= pieces { return }
                    let lo = chunks * i / pieces * granule
                    let hi = min(count, chunks * (i + 1) / pieces * granule)
                    body(part, lo..<hi)
                }
            }, workers: threadCount - 1, everyPart: false)
        }
    }

    /// What the caller and the workers share; the workers keep it alive after the runner goes.
    private final class SharedState: @unchecked Sendable {
        /// The open job's generation while it takes workers, its negation once closed.
        let current = Atomic<Int>(0)
        /// Workers inside the current job; the caller waits for them before `job` goes away.
        let inside = Atomic<Int>(0)
        /// Workers that have run the current job (for `run`, which needs every part).
        let finished = Atomic<Int>(0)
        let nextPiece = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let condition = NSCondition()
        let spinLimit: Int
        // Caller-only: the last generation handed out.
        var generation = 0
        // Written before the job opens (release), read by the workers after they see it open.
        var job: ((Int) -> Void)?

        init(spinLimit: Int) { self.spinLimit = spinLimit }

        func run(_ body: @escaping (Int) -> Void, workers: Int, everyPart: Bool) {
            job = body
            finished.store(0, ordering: .relaxed)
            generation += 1
            publish(generation)
            body(0)
            if everyPart { while finished.load(ordering: .acquiring) < workers {} }
            // Close the job, then wait for the workers already in it. A worker enters by
            // counting itself in and then checking the job is still open; with both sides
            // sequentially consistent, either the caller sees it counted or it sees the close.
            current.store(-generation, ordering: .sequentiallyConsistent)
            while inside.load(ordering: .sequentiallyConsistent) > 0 {}
            job = nil
        }

        func stop() {
            stopping.store(true, ordering: .releasing)
            publish(Int.max)
        }

        private func publish(_ value: Int) {
            current.store(value, ordering: .releasing)
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }

        func workerLoop(part: Int) {
            var seen = 0
            while true {
                var spins = 0
                while current.load(ordering: .acquiring) <= seen {
                    spins += 1
                    if spins > spinLimit {
                        condition.lock()
                        while current.load(ordering: .acquiring) <= seen { condition.wait() }
                        condition.unlock()
                    }
                }
                if stopping.load(ordering: .acquiring) { return }
                inside.add(1, ordering: .sequentiallyConsistent)
                let g = current.load(ordering: .sequentiallyConsistent)
                if g > seen {
                    job?(part)
                    seen = g
                    finished.add(1, ordering: .releasing)
                }
                inside.subtract(1, ordering: .releasing)
            }
        }
    }
}

import CMalloc
import Foundation

/// glibc's malloc, set for a process that runs for days with bursts of large buffers.
///
/// In the one-hour soak (`bench soak`: 1,000 targets, a tenth hostile) the watcher's heap in
/// use stayed flat at 100 to 140 MiB while its resident memory grew past 600 MiB: memory
/// freed inside malloc's arenas, kept rather than given back. Two causes, two settings:
///
/// - glibc raises its mmap threshold to the size of any mmapped block freed, so after the
///   first 14 MiB scrape body every later one came from the arenas. A fixed threshold (which
///   also turns the dynamic one off) keeps each block of 1 MiB or more in its own mapping,
///   returned when freed. That alone halved resident memory (about 450 to 200 MiB at one
///   minute), but free space in the arenas still grew by some 30 MiB a minute.
/// - Free chunks between live ones are never returned by `free`; only `malloc_trim` gives
///   their pages back. A thread trims every 30 seconds.
/// - Each thread that allocates gets an arena of its own, up to 8 per core, and each keeps
///   its own free space: the soak's watcher grew arena after arena of 64 MiB. Two arenas (the
///   usual advice for long-running glibc services) bound that.
///
/// Docs/performance.md, "Soak", has the figures.
enum MemoryPolicy {
    static let mmapThreshold: Int32 = 1 << 20
    static let arenas: Int32 = 2
    static let trimInterval: UInt32 = 30

    static func forLongRunningProcess() {
        _ = mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        _ = mallopt(M_ARENA_MAX, arenas)
        startTrimming.run()
    }

    /// Once per process, however many sessions ask.
    private static let startTrimming = Once {
        Thread.detachNewThread {
            while true {
                sleep(trimInterval)
                _ = malloc_trim(0)
            }
        }
    }
}

/// Runs its body the first time `run` is called.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var body: (() -> Void)?

    init(_ body: @escaping () -> Void) { self.body = body }

    func run() {
        lock.lock()
        let b = body
        body = nil
        lock.unlock()
        b?()
    }
}

import CMalloc
import FleetCore
import Foundation

/// One timed workload, in the shape of swift-nio's performance tester: `setUp` prepares what
/// the rounds use and is not timed, `run` is one timed round and says how much work it did
/// (requests, samples, frames: for rates), `tearDown` lets go of what `setUp` made.
protocol Benchmark: AnyObject {
    func setUp() throws
    func run() throws -> Int
    func tearDown()
}

extension Benchmark {
    func tearDown() {}
}

/// The figures of a benchmark's rounds.
struct BenchmarkTimes {
    /// Seconds per round, fastest first.
    let sorted: [Double]
    /// What the last round reported it did.
    let work: Int

    var best: Double { sorted.first ?? 0 }
    var worst: Double { sorted.last ?? 0 }
    var mean: Double { sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count) }

    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
}

enum BenchmarkRunner {
    /// Sets `benchmark` up, runs `warmUp` untimed rounds and `rounds` timed ones, tears it down.
    static func measure(_ benchmark: some Benchmark, rounds: Int, warmUp: Int = 0) throws -> BenchmarkTimes {
        try benchmark.setUp()
        defer { benchmark.tearDown() }
        for _ in 0..<warmUp { _ = try benchmark.run() }
        let clock = WallClock()
        var times: [Double] = []
        times.reserveCapacity(rounds)
        var work = 0
        for _ in 0..<max(1, rounds) {
            let t0 = clock.now
            work = try benchmark.run()
            times.append(clock.now - t0)
        }
        return BenchmarkTimes(sorted: times.sorted(), work: work)
    }
}

/// Resident memory of a process, from /proc.
enum ProcessMemory {
    /// Bytes resident in `pid` (this process when nil); 0 when it cannot be read.
    static func residentBytes(pid: Int32? = nil) -> Int {
        let path = pid.map { "/proc/\($0)/statm" } ?? "/proc/self/statm"
        guard let statm = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    static func residentMiB(pid: Int32? = nil) -> Double { Double(residentBytes(pid: pid)) / 1_048_576 }

    /// This process's heap as glibc's malloc sees it, over all its arenas: bytes handed out
    /// (including mmapped blocks) and bytes free inside the arenas. Resident memory that grows
    /// while `inUse` stays flat is fragmentation, not a leak.
    static func heapMiB() -> (inUse: Double, freeInArenas: Double) {
        let info = mallinfo2()
        return (Double(info.uordblks + info.hblkhd) / 1_048_576, Double(info.fordblks) / 1_048_576)
    }
}

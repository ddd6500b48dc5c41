import ArgumentParser
import FleetCore
import Foundation
import Recording
import Scheduler

struct ReplayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Open and seek times on a long synthetic recording, and replay CPU at 64x.")

    @Option(name: .long, help: "Nodes in the synthetic fleet.") var nodes: Int = 128
    @Option(name: .long, help: "GPUs per node.") var gpus: Int = 8
    @Option(name: .long, help: "Hours of 1 s ticks.") var hours: Double = 24
    @Option(name: .long, help: "Seconds between full keyframes.") var keyframeInterval: Double = 300
    @Option(name: .long, help: "The recording to write (deleted afterwards unless --keep).") var file: String = NSTemporaryDirectory() + "fleetdeck-bench.rec"
    @Flag(name: .long, help: "Keep the file.") var keep = false
    @Flag(name: .long, help: "Use --file as it is, if it exists, instead of writing it.") var reuse = false
    @Option(name: .long, help: "Wall seconds of playback at 64x for the CPU figure.") var playSeconds: Double = 20

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    func run() throws {
        let clock = WallClock()
        var t0 = clock.now
        if !(reuse && FileManager.default.fileExists(atPath: file)) {
            let (ticks, bytes) = try SyntheticRecording.write(path: file, nodes: nodes, gpusPerNode: gpus, hours: hours, keyframeInterval: keyframeInterval)
            print(String(format: "wrote %d ticks of %d nodes x %d GPUs (%.0f h) in %.1f s: %.0f MiB",
                         ticks, nodes, gpus, hours, clock.now - t0, Double(bytes) / 1_048_576))
        }
        defer { if !keep && !reuse { unlink(file) } }
        t0 = clock.now
        let recording = try RecordingFile(path: file)
        let open = clock.now - t0
        print(String(format: "open (read + index %d lines): %.3f s", recording.frames.count, open))
        let seeks = try BenchmarkRunner.measure(Seek(recording), rounds: 40)
        print(String(format: "seek to a random tick and decode its snapshot (40 seeks): p50 %.1f ms, p90 %.1f ms, max %.1f ms",
                     seeks.percentile(0.5) * 1000, seeks.percentile(0.9) * 1000, seeks.worst * 1000))
        let store = SnapshotStore()
        let driver = ReplayDriver(file: recording, store: store, speed: 64)
        let cpu0 = Self.cpuSeconds(), wall0 = clock.now
        let task = Task.detached { await driver.run() }
        Thread.sleep(forTimeInterval: playSeconds)
        driver.stop()
        let cpu = Self.cpuSeconds() - cpu0, wall = clock.now - wall0
        _ = task
        let position = store.latest().snapshot?.time ?? 0
        print(String(format: "replay at 64x for %.0f s (to +%.0f s): %.1f%% of one core", wall, position, cpu / wall * 100))
    }
}

extension ReplayBench {
    /// A seek to a random tick of the recording and the decoding of its snapshot.
    final class Seek: Benchmark {
        let recording: RecordingFile
        var cursor: ReplayCursor?
        var random = SeededRandom(seed: 11)

        init(_ recording: RecordingFile) { self.recording = recording }

        func setUp() { cursor = ReplayCursor(file: recording) }

        func run() throws -> Int {
            cursor!.seek(toTime: Double(random.next() % UInt64(max(1, recording.frames.count))))
            return try cursor!.snapshot().nodes.count
        }
    }
}

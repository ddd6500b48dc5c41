import ArgumentParser
import Console
import FleetCore
import Foundation
import Telemetry

/// `bench soak`: the console watching a large fleet for a long time while a share of its
/// targets misbehave, a different share each minute. A child `simulate --serve --hostile`
/// serves the fleet; this process runs what `watch` runs (the scrape loop, the aggregator, the
/// render loop) with a headless terminal that presses keys and keeps the time of every frame.
/// It reports the process's memory over the run and the frame intervals: flat memory and no
/// stalled frame are the targets (Docs/performance.md, "Soak: 1,000 targets, a tenth hostile").
struct SoakBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Watch a served fleet with hostile targets in rotation for a long time: memory over time, frame intervals.")

    @Option(name: .long, help: "Targets (served nodes), 1 to 10000.")
    var targets: Int = 1000

    @Option(name: .long, help: "Share of the targets misbehaving at any moment (0 to 1).")
    var hostile: Double = 0.1

    @Option(name: .long, help: "How long to watch (1h, 10m, 90s).", transform: TimeSpan.parser("--duration"))
    var duration = TimeSpan(seconds: 600)

    @Option(name: .long, help: "Scrape interval, seconds.")
    var interval: Double = 1

    @Option(name: .long, help: "Scrape timeout, seconds.")
    var timeout: Double = 2

    @Option(name: .long, help: "Scenario the served fleet is resized from.")
    var scenario = "content"

    @Option(name: .long, help: "Seconds between report lines.")
    var every: Double = 60

    @Flag(name: .long, help: "Leave glibc's malloc as it comes (dynamic mmap threshold) in this process, to compare.")
    var defaultMalloc = false

    func validate() throws {
        guard (1...10_000).contains(targets) else { throw ValidationError("--targets must be between 1 and 10000") }
        guard (0...1).contains(hostile) else { throw ValidationError("--hostile must be between 0 and 1") }
        guard (0.1...60).contains(interval), (0.05...60).contains(timeout) else { throw ValidationError("--interval 0.1...60, --timeout 0.05...60") }
        guard every >= 1 else { throw ValidationError("--every must be at least 1 second") }
    }

    func run() throws {
        // What `watch` sets (ConsoleSession); the served fleet sets it too.
        if !defaultMalloc { MemoryPolicy.forLongRunningProcess() }
        let server = try ServedFleetProcess.start(scenario: scenario, nodes: targets, hostile: hostile)
        defer { server.stop() }
        let client = try TelemetryHTTPClient.make(tls: nil)
        defer { try? client.syncShutdown() }

        // The targets come as a watched fleet's would: through http_sd from the server's /targets.
        var config = WatchConfig()
        config.interval = interval
        config.timeout = timeout
        config.discovery.http = [.init(url: "http://\(server.address)/targets", refresh: 60)]
        print(String(format: "soak: %d targets by http_sd from %@, %.0f%% hostile in rotation, scrape every %.1f s (timeout %.1f s), for %@",
                     targets, server.address, hostile * 100, interval, timeout, Format.duration(duration.seconds)))
        fflush(nil)

        let store = SnapshotStore()
        let source = try WatchSources.make(config, client: client, store: store, stdin: false)
        let task = Task.detached { await source.run() }
        let terminal = HeadlessTerminal(duration: duration.seconds, every: every, store: store, serverPID: server.pid)
        let app = ConsoleApp(store: store, glyphs: .unicode)
        app.pollMilliseconds = 200
        app.run(on: terminal)
        source.stop()
        task.cancel()
        terminal.printSummary()
    }
}

/// The child `fleetdeck simulate --serve` the soak watches.
private final class ServedFleetProcess {
    let process: Process
    let address: String
    var pid: Int32 { process.processIdentifier }

    private init(process: Process, address: String) { self.process = process; self.address = address }

    static func start(scenario: String, nodes: Int, hostile: Double) throws -> ServedFleetProcess {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        p.arguments = ["simulate", "--scenario", scenario, "--nodes", "\(nodes)", "--serve", "127.0.0.1:0",
                       "--hostile", "\(hostile)", "--warmup", "60"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        // "serving N simulated vLLM nodes of 'x' ... on http://127.0.0.1:PORT/ (service discovery: /targets)"
        var line = ""
        while !line.contains("\n") {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw UserError("the served fleet exited before serving") }
            line += String(decoding: byte, as: UTF8.self)
        }
        guard let start = line.range(of: "http://"), let end = line[start.upperBound...].firstIndex(of: "/") else {
            p.terminate()
            throw UserError("the served fleet said: \(line)")
        }
        return ServedFleetProcess(process: p, address: String(line[start.upperBound..<end]))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// A terminal nobody looks at: 200x60, a key every 250 ms (the next screen, then down a row,
/// so every screen is drawn in turn), the time of every frame, the memory every few seconds.
private final class HeadlessTerminal: TerminalBackend {
    let size = (width: 200, height: 60)
    private let clock = WallClock()
    private let started: Double
    private let duration: Double
    private let every: Double
    private let store: SnapshotStore
    private let serverPID: Int32
    private var lastFrame: Double?
    private var keyReturned: Double?
    private var frameIntervals: [Double] = []
    private var frameCosts: [Double] = []
    private var nextKey: Double
    private var keyCount = 0
    private var nextSample: Double
    private var nextReport: Double
    private var samples: [(time: Double, rssMiB: Double, heapMiB: Double)] = []

    init(duration: Double, every: Double, store: SnapshotStore, serverPID: Int32) {
        started = clock.now
        self.duration = duration
        self.every = every
        self.store = store
        self.serverPID = serverPID
        nextKey = started + 0.25
        nextSample = started
        nextReport = started + every
        frameIntervals.reserveCapacity(Int(duration * 8))
    }

    var stopRequested: Bool { clock.now - started >= duration }

    func present(_ canvas: Canvas) {
        let now = clock.now
        if let last = lastFrame { frameIntervals.append(now - last) }
        if let k = keyReturned { frameCosts.append(now - k); keyReturned = nil }
        lastFrame = now
    }

    func readKey(timeoutMilliseconds: Int32) -> Key? {
        let deadline = clock.now + Double(timeoutMilliseconds) / 1000
        while true {
            let now = clock.now
            if now >= nextSample {
                samples.append((now - started, ProcessMemory.residentMiB(), ProcessMemory.heapMiB().inUse))
                nextSample += 5
            }
            if now >= nextReport {
                report(at: now - started)
                nextReport += every
            }
            if now >= nextKey {
                nextKey += 0.25
                keyCount += 1
                keyReturned = clock.now
                return keyCount % 2 == 1 ? .tab : .down
            }
            if now >= deadline || stopRequested { return nil }
            let wait = min(deadline, nextKey, nextSample, nextReport) - now
            usleep(UInt32(min(0.05, max(0.001, wait)) * 1e6))
        }
    }

    func restore() {}

    private func report(at t: Double) {
        let snapshot = store.latest().snapshot
        let states = Dictionary(grouping: snapshot?.nodes ?? [], by: \.state).mapValues(\.count)
        let recent = frameIntervals.suffix(Int(every * 8))
        let heap = ProcessMemory.heapMiB()
        print(String(format: "%@  rss %.0f MiB (heap in use %.0f, free in arenas %.0f; server rss %.0f)  nodes up %d stale %d down %d  frames p99 %.0f ms max %.0f ms",
                     Format.clock(t), ProcessMemory.residentMiB(), heap.inUse, heap.freeInArenas, ProcessMemory.residentMiB(pid: serverPID),
                     states[.up] ?? 0, states[.stale] ?? 0, states[.down] ?? 0,
                     Self.percentile(Array(recent), 0.99) * 1000, (recent.max() ?? 0) * 1000))
        fflush(nil)
    }

    func printSummary() {
        // Histories fill for their first 15 minutes (a second each, per series), so memory
        // climbs that long and is flat after: the second half is the figure to judge.
        func sample(at fraction: Double) -> (time: Double, rssMiB: Double, heapMiB: Double) {
            samples.last { $0.time <= duration * fraction } ?? samples.first ?? (0, 0, 0)
        }
        let half = sample(at: 0.5), end = samples.last ?? (0, 0, 0)
        print(String(format: "memory: rss %.0f MiB at 1/4, %.0f at 1/2, %.0f at 3/4, %.0f at the end; %+.1f MiB over the second half; peak %.0f MiB",
                     sample(at: 0.25).rssMiB, half.rssMiB, sample(at: 0.75).rssMiB, end.rssMiB, end.rssMiB - half.rssMiB, samples.map(\.rssMiB).max() ?? 0))
        print(String(format: "heap in use: %.0f MiB at 1/4, %.0f at 1/2, %.0f at 3/4, %.0f at the end; %+.1f MiB over the second half",
                     sample(at: 0.25).heapMiB, half.heapMiB, sample(at: 0.75).heapMiB, end.heapMiB, end.heapMiB - half.heapMiB))
        print(String(format: "frames: %d, interval p50 %.0f ms, p99 %.0f ms, max %.0f ms; render after a key p50 %.1f ms, p99 %.1f ms",
                     frameIntervals.count + 1, Self.percentile(frameIntervals, 0.5) * 1000, Self.percentile(frameIntervals, 0.99) * 1000,
                     (frameIntervals.max() ?? 0) * 1000, Self.percentile(frameCosts, 0.5) * 1000, Self.percentile(frameCosts, 0.99) * 1000))
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        BenchmarkTimes(sorted: values.sorted(), work: 0).percentile(p)
    }
}

import MetricsFormats
import ArgumentParser
import Console
import FleetCore
import Foundation
import Scheduler
import Telemetry
import Recording

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Print performance figures (no pass/fail): frames, simulation, parsing, aggregation, store memory, replay, local inference.",
        discussion: "Build with -c release for meaningful figures. Docs/performance.md records them.",
        subcommands: [FrameBench.self, SimulationBench.self, AdvisorBench.self, ForecastBench.self, ParseBench.self, AggregateBench.self, StoreBench.self, ReplayBench.self, InferBench.self])
}

/// Nanosecond timing of a closure, `count` times; returns sorted durations in seconds.
func measure(_ count: Int, _ body: () -> Void) -> [Double] {
    let clock = WallClock()
    var out: [Double] = []
    out.reserveCapacity(count)
    for _ in 0..<count {
        let t0 = clock.now
        body()
        out.append(clock.now - t0)
    }
    return out.sorted()
}

/// A /metrics payload for the parse and aggregate benches: `file`, or the vLLM V1 sample.
func samplePayload(_ file: String?) throws -> (path: String, bytes: [UInt8]) {
    let path = try file ?? DataLocator.requireHome() + "/sample-data/telemetry/vllm-v1.prom"
    guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read \(path)") }
    return (path, Array(data))
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

struct FrameBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame",
        abstract: "Time rendering the overview into the canvas (what each frame costs before ncurses).")

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "Columns.") var width: Int = 200
    @Option(name: .long, help: "Rows.") var height: Int = 60
    @Option(name: .long, help: "Frames to time.") var frames: Int = 2000
    @Option(name: .long, help: "Simulated seconds before timing starts.") var at: Double = 600

    func run() throws {
        let sim = FleetSimulator(scenario: try scenario.loadScenario(), seed: scenario.seed)
        sim.advance(to: at)
        let snapshot = sim.snapshot()
        var state = ConsoleState()
        state.selectedNodeID = snapshot.nodes.first?.id
        var sink = 0
        for _ in 0..<50 { sink &+= ScreenRenderer.render(snapshot: snapshot, state: state, width: width, height: height, glyphs: .unicode).canvas.width }
        let times = measure(frames) {
            sink &+= ScreenRenderer.render(snapshot: snapshot, state: state, width: width, height: height, glyphs: .unicode).canvas.width
        }
        print(String(format: "overview %@ %dx%d, %d nodes: frame p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d frames (%d)",
                     snapshot.source.name, width, height, snapshot.nodes.count,
                     percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000, (times.last ?? 0) * 1000, frames, sink % 2))
    }
}

struct SimulationBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Time simulating a scenario headless: simulated seconds per wall second.")

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "Simulated seconds.") var duration: Double = 3600

    func run() throws {
        let sc = try scenario.loadScenario()
        let sim = FleetSimulator(scenario: sc, seed: scenario.seed)
        let clock = WallClock()
        let t0 = clock.now
        sim.advance(to: duration)
        let elapsed = clock.now - t0
        let t = sim.totals
        print(String(format: "%@: %.0f simulated s in %.3f s wall = %.0fx real time; %d requests (%.0f/s wall), %d shed",
                     sc.name, duration, elapsed, duration / elapsed, t.arrived, Double(t.arrived) / elapsed, t.shed))
    }
}

struct AdvisorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advisor",
        abstract: "Time a full what-if round: every candidate for a pool forked and played ahead (one core).")

    @OptionGroup var scenario: ScenarioOptions
    @Option(name: .long, help: "Simulated seconds before the round (the bank's peak by default).") var at: Double = 420
    @Option(name: .long, help: "Seconds each what-if plays ahead.") var horizon: Double = 600
    @Option(name: .long, help: "The pool the candidates act on (default: the first GPU pool).") var pool: String?
    @Option(name: .long, help: "Rounds to time.") var rounds: Int = 5

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard (1...3600).contains(horizon) else { throw ValidationError("--horizon must be between 1 and 3600 seconds") }
    }

    func run() throws {
        let sc = try scenario.loadScenario()
        let sim = FleetSimulator(scenario: sc, seed: scenario.seed)
        var settings = Advisor.Settings()
        settings.horizon = horizon
        let advisor = Advisor(settings: settings)
        while sim.now < at {
            sim.advance(to: min(at, sim.now + sim.sampleInterval))
            advisor.observe(sim.snapshot())
        }
        let target = pool ?? sc.pools.first { if case .gpu = $0.kind { return true }; return false }?.id ?? ""
        let candidates = sim.whatIfCandidates(forPool: target)
        let path = advisor.arrivalPath(for: sim, horizon: horizon)
        print(String(format: "offered now %.1f/s; forecast path %.1f/s to %.1f/s over the horizon", sim.offeredRate, path.rates.first ?? 0, path.rates.last ?? 0))
        var requests = 0
        let times = measure(rounds) {
            let outcomes = advisor.whatIfs(candidates, fleet: sim, path: path, horizon: horizon, seed: 1)
            requests = outcomes.reduce(0) { $0 + $1.report.requests }
        }
        print(String(format: "%@ at %.0f s, pool %@: %d candidates x %.0f s ahead = %d simulated requests; round best %.3f s, median %.3f s, worst %.3f s (%.0f requests/s)",
                     sc.name, at, target, candidates.count, horizon, requests, times.first ?? 0, percentile(times, 0.5),
                     times.last ?? 0, Double(requests) / max(percentile(times, 0.5), 1e-9)))
    }
}

struct ForecastBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Backtest the load forecast on the scenarios' arrival series: Holt-Winters against naive and moving-average forecasts.")

    @Option(name: .long, help: "Scenarios to backtest, comma-separated.") var scenarios = "bank,ecommerce,rag,edge"
    @Option(name: .long, help: "Simulated seconds per scenario.") var duration: Double = 3600

    func run() throws {
        let home = try DataLocator.requireHome()
        let catalog = FileCatalog(directory: home + "/sample-data/scenarios")
        let grid: [(String, HoltWintersForecaster.Parameters)] = [
            ("default", FleetLoadForecaster.defaultParameters),
            ("a.5 b.05 p.9", .init(alpha: 0.5, beta: 0.05, gamma: 0, phi: 0.9)),
            ("a.5 b.15 p.97", .init(alpha: 0.5, beta: 0.15, gamma: 0, phi: 0.97)),
            ("a.5 b.3 p.95", .init(alpha: 0.5, beta: 0.3, gamma: 0, phi: 0.95)),
            ("a.5 b0 (SES)", .init(alpha: 0.5, beta: 0, gamma: 0, phi: 0)),
        ]
        for name in scenarios.split(separator: ",").map(String.init) {
            let sim = FleetSimulator(scenario: try ScenarioLoader.load(file: try catalog.require(name, kind: "scenario")))
            var series: [Double] = []
            var sum = 0.0, count = 0
            while sim.now < duration {
                sim.advance(to: sim.now + sim.sampleInterval)
                sum += sim.snapshot().pools.reduce(0) { $0 + $1.arrivalRate }
                count += 1
                if count == Int(FleetLoadForecaster.step) { series.append(sum / Double(count)); sum = 0; count = 0 }
            }
            let mean = series.reduce(0, +) / Double(max(1, series.count))
            print("\(name): \(series.count) ten-second means of the fleet's arrival rate, mean \(Format.compact(mean))/s; mean absolute error as % of the mean")
            for (h, prefix) in [(6, false), (30, false), (60, false), (90, false), (12, true), (30, true)] {
                let series = prefix ? Array(series.prefix(90)) : series
                var line = "  \(h * 10 / 60) min ahead\(prefix ? " (first 15 min)" : ""):"
                var naiveShown = false
                for (label, p) in grid {
                    let sc = ForecastBacktest.score(series, parameters: p, horizon: h, warmUp: 12)
                    if !naiveShown {
                        line += String(format: " naive %.1f%%, mean-of-6 %.1f%% |", sc.naive / mean * 100, sc.movingAverage / mean * 100)
                        naiveShown = true
                    }
                    line += String(format: " %@ %.1f%% (band %.0f%%)", label, sc.holtWinters / mean * 100, sc.coverage * 100)
                }
                print(line)
            }
        }
    }
}

struct ParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Time the Prometheus text parser on a fleet's worth of scrapes (one core).")

    @Option(name: .long, help: "A /metrics payload (default: the vLLM V1 sample).")
    var file: String?
    @Option(name: .long, help: "Scrapes to parse, as from this many nodes.") var nodes: Int = 1000
    @Option(name: .long, help: "Rounds; the best is reported.") var rounds: Int = 5

    func run() throws {
        let (path, bytes) = try samplePayload(file)
        var samples = 0
        let times = measure(rounds) {
            samples = 0
            for _ in 0..<nodes { samples += PrometheusTextParser.parse(bytes).sampleCount }
        }
        let best = times.first ?? 1
        let megabytes = Double(bytes.count * nodes) / 1_048_576
        print(String(format: "%@ x %d nodes (%.1f MiB, %d samples): best of %d %.3f s = %.0f MiB/s, %.2f M samples/s",
                     (path as NSString).lastPathComponent, nodes, megabytes, samples, rounds, best,
                     megabytes / best, Double(samples) / best / 1e6))
    }
}

struct AggregateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Time the scrape aggregator on many targets each tick: parse, map, rates, quantiles, snapshot (one core).")

    @Option(name: .long, help: "A /metrics payload (default: the vLLM V1 sample).")
    var file: String?
    @Option(name: .long, help: "Targets scraped every tick.") var targets: Int = 1000
    @Option(name: .long, help: "Ticks (seconds of scraping) to time.") var ticks: Int = 30

    func run() throws {
        let text = String(decoding: try samplePayload(file).bytes, as: UTF8.self)
        var config = WatchConfig()
        config.targets = (0..<targets).map { .init(url: "http://10.0.\($0 / 250).\($0 % 250):8000/metrics", node: "vllm-\($0)", pool: "pool-\($0 % 8)") }
        let aggregator = FleetAggregator(config: config, name: "bench", startTime: 0)
        // Counters move every tick so rates and histogram deltas are real work, not zeros.
        func payload(_ tick: Int) -> [UInt8] {
            Array(text.replacingOccurrences(of: "vllm:generation_tokens_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 1.494631e+07",
                                            with: "vllm:generation_tokens_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} \(14_946_310 + tick * 2400)").utf8)
        }
        var times: [Double] = []
        var nodes = 0
        let clock = WallClock()
        for tick in 0..<(ticks + 2) {
            let body = payload(tick)
            let t0 = clock.now
            for i in 0..<targets {
                aggregator.ingest(target: i, TargetScrape(.success(.init(body: body, openMetrics: false, duration: 0.01))), at: Double(tick))
            }
            nodes = aggregator.snapshot(at: Double(tick)).nodes.count
            if tick >= 2 { times.append(clock.now - t0) }   // the first two ticks have no rates yet
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        print(String(format: "%d targets (%d nodes) every 1 s: tick mean %.1f ms, p99 %.1f ms = %.1f%% of one core",
                     targets, nodes, mean * 1000, percentile(times, 0.99) * 1000, mean * 100))
    }
}

struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Fill the history store for many nodes over 24 h of 1 s samples and report its memory.")

    @Option(name: .long, help: "Nodes.") var nodes: Int = 1000
    @Option(name: .long, help: "Hours of 1 s samples.") var hours: Double = 24

    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    func run() throws {
        let before = Self.residentBytes()
        let clock = WallClock()
        let t0 = clock.now
        var histories = (0..<nodes).map { _ in NodeHistory() }
        let seconds = Int(hours * 3600)
        for t in 0..<seconds {
            let v = Double(t % 977) / 977
            for n in 0..<nodes {
                histories[n].append(at: Double(t), gpuUtilization: v, kvCacheUsage: v, tokensPerSecond: v * 1000,
                                    running: v * 64, waiting: v * 8)
            }
        }
        let elapsed = clock.now - t0
        let after = Self.residentBytes()
        let appends = Double(seconds) * Double(nodes) * 5
        print(String(format: "%d nodes x %.0f h at 1 s: %d bytes of samples per node (%.1f MiB for all), resident growth %.1f MiB; %.0f M appends in %.2f s (%.1f ns each)",
                     nodes, hours, NodeHistory.sampleBytes, Double(NodeHistory.sampleBytes * nodes) / 1_048_576,
                     Double(after - before) / 1_048_576, appends / 1e6, elapsed, elapsed / appends * 1e9))
        withExtendedLifetime(histories) {}
    }
}

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
        let cursor = ReplayCursor(file: recording)
        var rng = SeededRandom(seed: 11)
        var seeks: [Double] = []
        for _ in 0..<40 {
            let target = Double(rng.next() % UInt64(max(1, recording.frames.count)))
            t0 = clock.now
            cursor.seek(toTime: target)
            _ = try cursor.snapshot()
            seeks.append(clock.now - t0)
        }
        seeks.sort()
        print(String(format: "seek to a random tick and decode its snapshot (40 seeks): p50 %.1f ms, p90 %.1f ms, max %.1f ms",
                     percentile(seeks, 0.5) * 1000, percentile(seeks, 0.9) * 1000, (seeks.last ?? 0) * 1000))
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

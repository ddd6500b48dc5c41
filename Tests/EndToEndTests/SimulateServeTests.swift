import FleetdeckTestSupport
import AsyncHTTPClient
import FleetCore
import Foundation
import MetricsFormats
import Testing
@testable import Telemetry

/// `fleetdeck simulate --serve` with 64 nodes, held still (--speed 0), discovered by a real
/// Prometheus through HTTP service discovery. Through the query API fleetdeck sees the same
/// node set and the same queue depths as by scraping every node itself.
@Suite(.serialized) struct SimulateServeTests {
    struct Served {
        var pid: pid_t
        var address: String
    }

    func serve(_ arguments: [String]) throws -> Served {
        try Harness.requireBinary()
        let port = try Harness.freePort()
        let (pid, base) = try Harness.spawn(Harness.binary, ["simulate", "--serve", "127.0.0.1:\(port)"] + arguments,
                                            environment: ["FLEETDECK_HOME": RepositoryRoot.path])
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let out = String(decoding: FileManager.default.contents(atPath: base + ".out") ?? Data(), as: UTF8.self)
            if out.contains("serving ") { return Served(pid: pid, address: "127.0.0.1:\(port)") }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let err = String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
                throw HarnessError("simulate --serve exited: \(err)")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Harness.stop(pid)
        throw HarnessError("simulate --serve did not start in 120 s")
    }

    func get(_ url: String) async throws -> (status: UInt, body: String) {
        let response = try await Harness.httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (response.status.code, String(buffer: body))
    }

    @Test func servedNodesParseAsVLLMAndUnknownPathsAre404() async throws {
        let served = try serve(["--scenario", "ecommerce", "--nodes", "3", "--speed", "0", "--warmup", "30"])
        defer { Harness.stop(served.pid) }
        let sd = try await get("http://\(served.address)/targets")
        #expect(sd.status == 200)
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(sd.body.utf8)) as? [[String: Any]])
        #expect(groups.count == 3)
        let labels = try #require(groups.first?["labels"] as? [String: String])
        let path = try #require(labels["__metrics_path__"])
        #expect((groups.first?["targets"] as? [String]) == [served.address])

        let page = try await get("http://\(served.address)\(path)")
        #expect(page.status == 200)
        let exposition = PrometheusTextParser.parse(page.body)
        #expect(exposition.issues.isEmpty, "\(exposition.issues)")
        #expect(MetricsMappings.detect(exposition)?.stack == .vllm)
        let reading = VLLMMapping().read(exposition)
        #expect(reading.counters[.generationTokens].map { $0 > 0 } == true)
        #expect(reading.latencies[.timeToFirstToken]?.count ?? 0 > 0)
        #expect(try await get("http://\(served.address)/nodes/nope/metrics").status == 404)
    }

    @Test func prometheusDiscoversSixtyFourNodesAndAgreesWithDirectScrapes() async throws {
        guard let prometheus = Harness.which("prometheus") else {
            throw HarnessError("prometheus is not installed: this test needs it (Scripts/test installs it)")
        }
        let served = try serve(["--scenario", "ecommerce", "--nodes", "64", "--speed", "0", "--warmup", "60"])
        defer { Harness.stop(served.pid) }
        let base = NSTemporaryDirectory() + "fleetdeck-sd-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let promPort = try Harness.freePort()
        try """
            global: {scrape_interval: 1s, scrape_timeout: 900ms}
            scrape_configs:
              - job_name: fleetdeck-sim
                http_sd_configs: [{url: "http://\(served.address)/targets", refresh_interval: 2s}]
            """.write(toFile: base + "/prometheus.yml", atomically: true, encoding: .utf8)
        let (promPID, _) = try Harness.spawn(prometheus, ["--config.file=\(base)/prometheus.yml", "--storage.tsdb.path=\(base)/data",
                                                          "--web.listen-address=127.0.0.1:\(promPort)", "--log.level=warn"])
        defer { Harness.stop(promPID) }

        let source = PrometheusQuerySource(config: .init(url: "http://127.0.0.1:\(promPort)"), client: Harness.httpClient, timeout: 5)
        var tick: PrometheusQuerySource.QueryTick?
        var last = "nothing yet"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            switch await source.poll() {
            case .success(let t) where t.nodes.count == 64 && t.values[.waiting]?.count == 64: tick = t
            case .success(let t): last = "\(t.nodes.count) nodes, \(t.values[.waiting]?.count ?? 0) with a queue depth"
            case .failure(let f): last = "\(f)"
            }
            if tick != nil { break }
            try await Task.sleep(nanoseconds: 500_000_000)
        }
        let t = try #require(tick, "Prometheus never showed 64 simulated nodes; last: \(last)")

        // The same nodes scraped directly, named as the SD document names them.
        let sd = try await get("http://\(served.address)/targets")
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(sd.body.utf8)) as? [[String: Any]])
        var config = WatchConfig()
        config.targets = groups.compactMap { g in
            guard let l = g["labels"] as? [String: String], let path = l["__metrics_path__"], let node = l["instance"], let pool = l["job"] else { return nil }
            return .init(url: "http://\(served.address)\(path)", node: node, pool: pool)
        }
        #expect(config.targets.count == 64)
        let direct = FleetAggregator(config: config, name: "direct", startTime: 0)
        let scraper = MetricsScraper(client: Harness.httpClient, timeout: 5)
        for (i, target) in config.targets.enumerated() { direct.ingest(target: i, TargetScrape(await scraper.scrape(target.url)), at: 1) }
        let scraped = direct.snapshot(at: 1)

        #expect(Set(scraped.nodes.map(\.id)) == Set(t.nodes.map(\.node)))
        #expect(Set(t.nodes.map(\.pool)) == Set(scraped.nodes.map(\.pool)))
        var compared = 0
        for key in t.nodes {
            guard let node = scraped.nodes.first(where: { $0.id == key.node }) else { continue }
            #expect(t.value(.waiting, key).map(Int.init) == node.waiting, "\(key.node)")
            #expect(t.value(.running, key).map(Int.init) == node.running, "\(key.node)")
            compared += 1
        }
        #expect(compared == 64)
        // A held fleet still has work in it: the comparison is not of zeros alone.
        #expect(scraped.nodes.contains { $0.running > 0 })
    }

    /// Every hostile node at once: each misbehaviour reaches the wire as it should (a trickle
    /// is slow, silence never answers, a flood is 14 MiB, a redirect points elsewhere).
    @Test func hostileNodesMisbehaveOnTheWire() async throws {
        let served = try serve(["--scenario", "edge", "--nodes", "60", "--speed", "0", "--warmup", "5", "--hostile", "1"])
        defer { Harness.stop(served.pid) }
        let sd = try await get("http://\(served.address)/targets")
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(sd.body.utf8)) as? [[String: Any]])
        #expect(groups.count == 60, "service discovery is never hostile")
        // A client that shows a redirect rather than follows it.
        let client = try TelemetryHTTPClient.make(tls: nil, followRedirects: false)
        var seen: [String: Int] = [:]
        for g in groups {
            let path = try #require((g["labels"] as? [String: String])?["__metrics_path__"])
            let request = HTTPClientRequest(url: "http://\(served.address)\(path)")
            let kind: String
            do {
                // One deadline for the whole exchange: a trickled body outlives the client's own,
                // which ends at the response head.
                let (response, body) = try await withDeadline(seconds: 1) {
                    let response = try await client.execute(request, timeout: .milliseconds(600))
                    return (response, try await response.body.collect(upTo: 32 << 20))
                }
                if response.status.code == 302 {
                    kind = response.headers.first(name: "Location")?.hasPrefix("http://127.0.0.2") == true ? "redirect" : "302?"
                } else if body.readableBytes >= 14 << 20 - 64 {
                    kind = "flood"
                } else if String(buffer: body).contains("l99999=") {
                    kind = "labels"
                } else if String(buffer: body).contains("NaN") {
                    kind = "absurd"
                } else if String(buffer: body).contains("\u{1b}[") {
                    kind = "escapes"
                } else {
                    kind = "other \(response.status.code)"
                }
            } catch {
                kind = "no answer"   // a trickle, silence or a reset
            }
            seen[kind, default: 0] += 1
        }
        try? await client.shutdown()
        for kind in ["redirect", "flood", "labels", "absurd", "escapes", "no answer"] {
            #expect(seen[kind, default: 0] > 0, "\(seen)")
        }
        #expect(seen.keys.allSatisfy { !$0.hasPrefix("other") && $0 != "302?" }, "\(seen)")
    }

    /// The soak benchmark in small: a fifth of 100 targets hostile for 20 s. The console keeps
    /// drawing, the hostile targets turn stale or down, and the rest stay up.
    @Test func aShortSoakKeepsHealthyTargetsUpAndFramesComing() async throws {
        let r = try await Harness.fleetdeckOffPool(["bench", "soak", "--targets", "100", "--hostile", "0.2", "--duration", "20s",
                                                     "--every", "5", "--scenario", "edge"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let last = try #require(lines.last { $0.contains("nodes up") }, "\(r.stdout)")
        func count(_ word: String) -> Int {
            guard let range = last.range(of: "\(word) ") else { return -1 }
            return Int(last[range.upperBound...].prefix { $0.isNumber }) ?? -1
        }
        #expect(count("up") >= 60, "\(last)")
        #expect(count("stale") + count("down") >= 5, "\(last)")
        #expect(lines.contains { $0.hasPrefix("memory: ") } && lines.contains { $0.hasPrefix("frames: ") }, "\(r.stdout)")
    }

    /// Discovery on a served fleet: a file_sd file rewritten while the loop runs adds and
    /// drops nodes within seconds; an http_sd URL (the served /targets) brings the whole fleet.
    @Test func fileAndHTTPServiceDiscoveryAddAndDropNodes() async throws {
        let served = try serve(["--scenario", "edge", "--speed", "0", "--warmup", "10"])
        defer { Harness.stop(served.pid) }
        let sd = try await get("http://\(served.address)/targets")
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(sd.body.utf8)) as? [[String: Any]])
        let nodes = groups.count
        #expect(nodes == 12)
        let dir = NSTemporaryDirectory() + "fleetdeck-sd-e2e-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func publish(first n: Int) throws {
            let doc = try JSONSerialization.data(withJSONObject: Array(groups.prefix(n)))
            try doc.write(to: URL(fileURLWithPath: "\(dir)/fleet.json"), options: .atomic)
        }
        /// A scrape loop over what `discovery` finds; stop it when done.
        func watch(_ discovery: TargetDiscovery.Config) -> (SnapshotStore, ScrapeLoop, Task<Void, Never>) {
            var config = WatchConfig()
            config.interval = 0.5
            config.discovery = discovery
            let store = SnapshotStore()
            let loop = ScrapeLoop(aggregator: FleetAggregator(config: config, name: "t", startTime: WallClock().now),
                                  scraper: MetricsScraper(client: Harness.httpClient, timeout: 2), store: store,
                                  discovery: TargetDiscovery(config: discovery))
            return (store, loop, Task.detached { await loop.run() })
        }
        try publish(first: 2)
        var files = TargetDiscovery.Config()
        files.files = [.init(files: ["\(dir)/*.json"], refresh: 3600)]
        let (store, loop, task) = watch(files)
        defer { loop.stop(); task.cancel() }
        let two = try await waitFor(store) { s in s.nodes.count == 2 && s.nodes.allSatisfy { $0.state == .up } }
        #expect(two?.nodes.count == 2, "\(two?.nodes.map { "\($0.id) \($0.state)" } ?? [])")
        try publish(first: 3)
        let three = try await waitFor(store) { s in s.nodes.count == 3 && s.nodes.allSatisfy { $0.state == .up } }
        #expect(three?.events.contains { $0.message.contains("discovered") } == true)
        try publish(first: 1)
        let one = try await waitFor(store) { $0.nodes.count == 1 }
        #expect(one?.events.filter { $0.message.hasSuffix("left (no longer discovered)") }.count == 2)
        #expect(one?.sources.contains { $0.kind == .discovery && $0.samples == 1 } == true)

        var http = TargetDiscovery.Config()
        http.http = [.init(url: "http://\(served.address)/targets", refresh: 60)]
        let (httpStore, httpLoop, httpTask) = watch(http)
        defer { httpLoop.stop(); httpTask.cancel() }
        let all = try await waitFor(httpStore) { s in s.nodes.count == nodes && s.nodes.allSatisfy { $0.state == .up } }
        #expect(all?.nodes.count == nodes && all?.nodes.allSatisfy { $0.state == .up && $0.pool == "edge-devices" } == true)
    }

    /// The first snapshot that satisfies `done`, within 30 s.
    func waitFor(_ store: SnapshotStore, _ done: (FleetSnapshot) -> Bool) async throws -> FleetSnapshot? {
        let until = Date().addingTimeInterval(30)
        while Date() < until {
            if let s = store.latest().snapshot, done(s) { return s }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        return store.latest().snapshot
    }
}

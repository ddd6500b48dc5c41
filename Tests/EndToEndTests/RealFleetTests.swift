import FleetdeckTestSupport
import Foundation
import LocalInference
import Testing

/// `watch` on real llama.cpp servers (llama-server serving SmolLM2, built by
/// Scripts/build-llama-server), found through file_sd and loaded by `fleetdeck load`: what an
/// operator's own fleet looks like, end to end. Two cores: one thread per server, light loads.
@Suite(.serialized) struct RealFleetTests {
    /// A folder for one test's config, discovery file and scripts.
    func folder(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "fleetdeck-real-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A file_sd document naming `servers` in pool `smol`, written atomically as Prometheus expects.
    func publish(_ addresses: [String], to dir: String) throws {
        let doc = try JSONSerialization.data(withJSONObject: [["targets": addresses, "labels": ["pool": "smol"]]])
        try doc.write(to: URL(fileURLWithPath: dir + "/sd/fleet.json"), options: .atomic)
    }

    func config(_ dir: String, extra: String = "") throws {
        try FileManager.default.createDirectory(atPath: dir + "/sd", withIntermediateDirectories: true)
        try """
            scrape:
              interval_ms: 500
              timeout_ms: 1000
              file_sd_configs:
                - files: ["\(dir)/sd/*.json"]
            \(extra)
            """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
    }

    /// The node table's row for `node`.
    func row(_ screen: String, _ node: String) -> String {
        screen.split(separator: "\n").first { $0.contains("│\(node) ") }.map(String.init) ?? ""
    }

    /// TOK/S, the ninth column of the Nodes screen's row (after NODE, POOL, STATE, GPU%, KV%, RUN, WAIT).
    func tokensPerSecond(_ row: String) -> Double? {
        let cells = row.replacingOccurrences(of: "│", with: " ").split(separator: " ")
        return cells.count > 7 ? Double(cells[7]) : nil
    }

    /// A load in the background for `seconds`; stop it with `Harness.stop`.
    func load(_ servers: [LlamaServer], rate: Double, seconds: Int) throws -> pid_t {
        try Harness.requireBinary()
        let (pid, _) = try Harness.spawn(Harness.binary, ["load"] + servers.map(\.url) + [
            "--rate", "\(rate)", "--duration", "\(seconds)", "--prompt-tokens", "16", "--max-tokens", "16", "--timeout", "30"])
        return pid
    }

    @Test func watchFindsTwoLlamaServersThroughFileSDAndFollowsOneDying() throws {
        try Harness.requireBinary()
        let dir = try folder("watch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try LlamaServer(), b = try LlamaServer()
        defer { a.stop(); b.stop() }
        // 5 ms a token is beyond any CPU running this model on one thread: the load breaches it.
        try config(dir, extra: """
            pools:
              - {id: smol, slo: [{metric: tpot, percentile: mean, target_ms: 5}]}
            """)
        try publish([a.address, b.address], to: dir)
        let loader = try load([a, b], rate: 1, seconds: 120)
        defer { Harness.stop(loader) }

        let pane = try TmuxPane(width: 140, height: 30)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/c.yaml --record \(dir)/fleet.rec 2>\(dir)/err.txt")
        try pane.press("Enter")
        let overview = try pane.waitFor("the breach of the TPOT objective", timeout: 60) { $0.contains("SLO breach on smol: tpot mean") }
        #expect(overview.contains("mean<5ms"), "\(overview)")
        try pane.type("2")
        let serving = try pane.waitFor("both servers up and generating", timeout: 60) { s in
            [a, b].allSatisfy { server in
                let r = self.row(s, server.address)
                return r.contains(" up ") && (self.tokensPerSecond(r) ?? 0) > 0
            }
        }
        #expect(serving.contains("Nodes (2)"))
        #expect(row(serving, a.address).contains(" smol "))
        // i: the selected node's own page, fetched now, and llama.cpp's /props beside it.
        try pane.type("i")
        let page = try pane.waitFor("the engine's page", timeout: 20) { $0.contains("total_slots = 2") }
        #expect(page.contains("stack: llama.cpp llama-server"), "\(page)")
        try pane.type("seconds_total")
        let searched = try pane.waitFor(text: "search: seconds_total")
        #expect(searched.contains("llamacpp:tokens_predicted_seconds_total") && !searched.contains("llamacpp:requests_processing"))
        try pane.press("Escape")
        try pane.press("Escape")
        try pane.waitFor("the nodes again") { $0.contains("Nodes (2)") }
        try pane.type("5")
        let sources = try pane.waitFor(text: "file_sd")
        #expect(row(sources, a.address).contains("llamacpp"), "\(sources)")

        b.kill()
        try pane.type("2")
        let stale = try pane.waitFor("the killed server stale or down", timeout: 20) { s in
            let r = self.row(s, b.address)
            return r.contains(" stale ") || r.contains(" down ")
        }
        #expect(row(stale, a.address).contains(" up "))
        try pane.waitFor("the killed server down", timeout: 20) { self.row($0, b.address).contains(" down ") }
        try pane.type("4")
        let events = try pane.waitFor(text: "node \(b.address) down")
        // The reason is the refusal, or, killed mid-scrape or on a loaded machine, the broken
        // exchange or the deadline that ran out before the refusal came.
        let down = events.split(separator: "\n").first { $0.contains("node \(b.address) down: ") }.map(String.init) ?? ""
        #expect(["connection refused", "connection closed", "connection reset", "timeout after"].contains { down.contains($0) }, "\(events)")
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("fleetdeck scrape watch") }
        let summary = try Harness.fleetdeck(["replay", dir + "/fleet.rec", "--summary"])
        #expect(summary.status == 0 && summary.stdout.contains("SLO breach on smol: tpot mean"), "\(summary.stdout)\(summary.stderr)")
    }

    /// A scale-up through the exec actuator on a real fleet: the script starts one more
    /// llama-server and adds it to the file_sd file; discovery brings the node in and it serves.
    @Test func scaleUpThroughExecStartsAServerThatDiscoveryBringsIn() throws {
        try Harness.requireBinary()
        let dir = try folder("scale")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try LlamaServer()
        defer { a.stop() }
        let port = try Harness.freePort()
        // The operator's own script: the same pattern as a kubectl scale followed by discovery.
        try """
            #!/bin/bash
            # scale.sh REPLICAS: starts a second llama-server and publishes it to file_sd.
            set -eu
            [ "$1" = 2 ] || { echo "this lab scales to 2 replicas only, not $1" >&2; exit 1; }
            setsid "\(LlamaServer.binary)" -m "\(ModelLocator.defaultModelPath)" --host 127.0.0.1 --port \(port) \\
                --metrics --no-webui -t 1 -tb 1 -np 2 -c 1024 </dev/null >"\(dir)/new.log" 2>&1 &
            echo $! >"\(dir)/new.pid"
            printf '[{"targets": ["%s", "%s"], "labels": {"pool": "smol"}}]' "\(a.address)" "127.0.0.1:\(port)" >"\(dir)/sd/next"
            mv "\(dir)/sd/next" "\(dir)/sd/fleet.json"
            echo "started 127.0.0.1:\(port)"
            """.write(toFile: dir + "/scale.sh", atomically: true, encoding: .utf8)
        try config(dir, extra: """
            actions:
              cooldown_s: 1
              pools:
                smol: {actuator: exec, argv: ["/bin/bash", "\(dir)/scale.sh", "{replicas}"], timeout_s: 20, max_replicas: 2}
            """)
        try publish([a.address], to: dir)
        defer {
            if let text = try? String(contentsOfFile: dir + "/new.pid", encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
        }
        let newAddress = "127.0.0.1:\(port)"

        let pane = try TmuxPane(width: 140, height: 30)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) watch --config \(dir)/c.yaml --audit-log \(dir)/audit.jsonl 2>\(dir)/err.txt")
        try pane.press("Enter")
        try pane.waitFor(text: "fleetdeck scrape watch")
        try pane.type("2")
        try pane.waitFor("the first server up", timeout: 60) { self.row($0, a.address).contains(" up ") }
        try pane.type("+")
        try pane.waitFor(text: "through the exec actuator")
        try pane.type("y")
        try pane.waitFor("the new replica up", timeout: 60) { self.row($0, newAddress).contains(" up ") }
        let loader = try load([a], rate: 0.5, seconds: 60)
        defer { Harness.stop(loader) }
        // The load goes to the first server only; the new one is up and scraped, and serves a request of its own.
        let (_, _) = try Harness.spawn(Harness.binary, ["load", "http://\(newAddress)", "--rate", "2", "--duration", "3",
                                                         "--prompt-tokens", "8", "--max-tokens", "16"])
        let serving = try pane.waitFor("the new replica generating", timeout: 60) { (self.tokensPerSecond(self.row($0, newAddress)) ?? 0) > 0 }
        #expect(serving.contains("Nodes (2)"))
        try pane.type("4")
        let events = try pane.waitFor(text: "node \(newAddress) discovered")
        #expect(events.contains("scale smol: ok"), "\(events)")
        let audit = try String(contentsOfFile: dir + "/audit.jsonl", encoding: .utf8)
        #expect(audit.contains("started 127.0.0.1:\(port)"))
        try pane.type("q")
    }
}

/// The twin reads a real llama-server's `/slots`: its slot count and the context they split,
/// where otherwise it would guess slots from the queue it saw.
@Suite(.serialized) struct RealFleetSlotsTests {
    @Test func theTwinTakesALlamaServersSlotsFromItsSlotsPage() async throws {
        try Harness.requireBinary()
        let server = try LlamaServer(slots: 3, contextPerSlot: 256)
        defer { server.stop() }
        let dir = NSTemporaryDirectory() + "fleetdeck-slots-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            targets: [{url: "\(server.url)/metrics", node: smol-0, pool: smol}]
            twin:
              pools:
                smol: {output_tokens: 16}
            """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let (loader, _) = try Harness.spawn(Harness.binary, ["load", server.url, "--rate", "1", "--duration", "30",
                                                             "--prompt-tokens", "16", "--max-tokens", "16", "--timeout", "30"])
        defer { Harness.stop(loader) }
        let r = try await Harness.fleetdeckOffPool(["advise", "--config", dir + "/c.yaml", "--for", "25s", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        let pool = try #require((json["pools"] as? [[String: Any]])?.first, "\(json)")
        #expect(pool["slots"] as? Int == 3, "\(pool)")
        let notes = pool["notes"] as? [String] ?? []
        #expect(!notes.contains { $0.contains("slots") }, "\(notes)")
    }
}

/// `fleetdeck load` against a real llama-server, and against a port where nothing listens.
@Suite(.serialized) struct LoadCommandTests {
    @Test func aLoadOnARealServerIsTimedRequestByRequest() throws {
        let server = try LlamaServer()
        defer { server.stop() }
        let out = NSTemporaryDirectory() + "fleetdeck-load-\(getpid()).ndjson"
        defer { unlink(out) }
        let r = try Harness.fleetdeck(["load", server.url, "--rate", "2", "--duration", "5", "--prompt-tokens", "16",
                                       "--max-tokens", "8", "--json", "--requests", out, "--seed", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let sent = try #require(json["sent"] as? Int)
        #expect(sent > 2 && json["ok"] as? Int == sent, "\(r.stdout)")
        // ignore_eos: every answer is exactly --max-tokens long.
        #expect(json["output_tokens"] as? Int == sent * 8)
        let e2e = try #require(json["e2e_s"] as? [String: Any]), ttft = try #require(json["ttft_s"] as? [String: Any])
        #expect((e2e["p50"] as? Double ?? 0) > (ttft["p50"] as? Double ?? 1))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == sent)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["result"] as? String == "ok" && first["output_tokens"] as? Int == 8)
        #expect(abs((first["sent_unix"] as? Double ?? 0) - Date().timeIntervalSince1970) < 60)
    }

    @Test func nothingListeningIsEveryRequestFailedWithTheReason() throws {
        let port = try Harness.freePort()
        let r = try Harness.fleetdeck(["load", "http://127.0.0.1:\(port)", "--rate", "5", "--duration", "1", "--seed", "2"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("ok 0") && r.stdout.contains("x connection refused"), "\(r.stdout)")
        let bad = try Harness.fleetdeck(["load", "ftp://x", "--rate", "1"])
        #expect(bad.status != 0 && bad.stderr.contains("is not an http(s) URL"))
    }
}

/// The twin on a real llama-server (Docs/twin.md): llama.cpp exports no request latency, so
/// the load generator's own clock is the truth its predictions are judged against. Timed
/// against a real server, so it runs alone: Scripts/test runs it after the parallel suites
/// (FLEETDECK_ALONE=1), whose load would make the machine another one.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["FLEETDECK_ALONE"] == "1",
                             "runs alone: FLEETDECK_ALONE=1 swift test --filter RealFleetTwinTests"))
struct RealFleetTwinTests {
    /// Exact quantile, interpolated between the nearest ranks (as the twin's reports).
    static func quantile(_ values: [Double], _ p: Double) -> Double {
        let v = values.sorted()
        let k = Double(v.count - 1) * p
        let lo = Int(k.rounded(.down)), hi = min(lo + 1, v.count - 1)
        return v[lo] + (v[hi] - v[lo]) * (k - Double(lo))
    }

    /// The end-to-end times of the requests in an NDJSON log that finished within `span`
    /// (Unix seconds).
    static func finished(_ requests: String, in span: ClosedRange<Double>) throws -> [Double] {
        try String(contentsOfFile: requests, encoding: .utf8).split(separator: "\n").compactMap { line -> Double? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["result"] as? String == "ok", let sent = o["sent_unix"] as? Double, let e2e = o["e2e_s"] as? Double,
                  span.contains(sent + e2e) else { return nil }
            return e2e
        }
    }

    static func advise(_ config: String, for seconds: Int) async throws -> [String: Any] {
        let r = try await Harness.fleetdeckOffPool(["advise", "--config", config, "--for", "\(seconds)s", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    static func load(_ urls: [String], rate: Double, seconds: Int, requests: String) throws -> pid_t {
        try Harness.spawn(Harness.binary, ["load"] + urls + ["--rate", String(format: "%.2f", rate), "--duration", "\(seconds)s",
                                                              "--prompt-tokens", "24", "--max-tokens", "32", "--requests", requests]).0
    }

    /// The median end to end of a light 12 s load on `server`: its service time at this
    /// moment of the machine.
    static func serviceTime(_ server: LlamaServer, seed: Int) throws -> Double {
        let probe = try Harness.fleetdeck(["load", server.url, "--rate", "0.4", "--duration", "12s", "--prompt-tokens", "24",
                                           "--max-tokens", "32", "--seed", "\(seed)", "--json"])
        let probed = try #require(try JSONSerialization.jsonObject(with: Data(probe.stdout.utf8)) as? [String: Any], "\(probe.stderr)")
        return try #require((probed["e2e_s"] as? [String: Double])?["p50"])
    }

    static func wait(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    /// One server under load: the twin's p95 for the last window against the client's. Then a
    /// second server joins through file_sd, as the exec actuator's script adds one in
    /// `RealFleetTests`: the twin's "scale +1" prediction, made before, against the client's
    /// p95 after.
    @Test func theTwinPredictsTheP95TheClientMeasuredBeforeAndAfterAScaleUp() async throws {
        let a = try LlamaServer()
        defer { a.stop() }
        let dir = NSTemporaryDirectory() + "fleetdeck-twin-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/sd", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func publish(_ servers: [LlamaServer]) throws {
            let doc = try JSONSerialization.data(withJSONObject: [["targets": servers.map(\.address), "labels": ["pool": "smol"]]])
            try doc.write(to: URL(fileURLWithPath: dir + "/sd/fleet.json"), options: .atomic)
        }
        try publish([a])
        let config = dir + "/fleet.yaml"
        try """
            scrape:
              file_sd_configs: [{files: ["\(dir)/sd/*.json"]}]
            pools:
              # Tight enough that one server misses it: the advisor ranks what-ifs only for a pool at risk.
              - {id: smol, slo: [{metric: e2e, percentile: 95, target_ms: 1000}]}
            twin:
              pools:
                # fleetdeck load sends to its URLs in turn
                smol: {output_tokens: 32, cold_start_s: 2, router: round_robin}
            """.write(toFile: config, atomically: true, encoding: .utf8)

        // The machine's speed varies by the hour: a light probe finds the server's service time,
        // then the load runs below what two slots can carry, near enough that a queue forms at
        // times and stays bounded: past capacity no window has a steady p95 to predict. On one
        // thread a prompt stalls the other slot, and two sequences take most of twice one's
        // step: 0.5 requests per service time keeps the server about 65% busy. The machine can
        // slow by half within the run (one probe 0.57 s, the next 1.07 s): at 0.55 that put one
        // run at capacity, with a queue growing through the window.
        let service = try Self.serviceTime(a, seed: 3)
        let rate = min(2.5, max(0.2, 0.5 / service))

        let before = dir + "/before.ndjson"
        let loadBefore = try Self.load([a.url], rate: rate, seconds: 110, requests: before)
        let one = try await Self.advise(config, for: 100)
        Self.wait(loadBefore)
        let pool = try #require((one["pools"] as? [[String: Any]])?.first, "\(one)")
        let window = try #require(one["window"] as? [String: Double])
        let predicted = try #require(((pool["predicted"] as? [String: Any])?["e2e_s"] as? [String: Double])?["p95"], "\(one)")
        // llama.cpp counts no requests: the twin says it inferred them, and has no observed latency.
        #expect(pool["observed"] == nil)
        #expect((pool["notes"] as? [String])?.contains { $0.contains("arrivals inferred") } == true)
        #expect(abs((pool["arrival_rate"] as? Double ?? 0) - rate) / rate < 0.3, "\(pool)")
        let inWindow = try Self.finished(before, in: try #require(window["start_unix"])...(try #require(window["end_unix"])))
        try #require(inWindow.count >= 30, "only \(inWindow.count) requests finished in the window")
        let observed = Self.quantile(inWindow, 0.95)
        let error = (predicted - observed) / observed
        print("twin on llama-server at \(String(format: "%.2f", rate)) req/s (service \(service) s): predicted e2e p95 \(predicted) s, "
              + "client measured \(observed) s over \(inWindow.count) requests: \(String(format: "%+.1f", error * 100))%")
        #expect(abs(error) <= 0.25, "predicted \(predicted) s, measured \(observed) s")

        // The prediction for one more replica, made on one server's telemetry.
        let candidates = try #require(pool["candidates"] as? [[String: Any]])
        let plusOne = try #require(candidates.first { $0["title"] as? String == "scale smol +1" }?["e2e_p95_s"] as? Double, "\(candidates)")

        let b = try LlamaServer()
        defer { b.stop() }
        try publish([a, b])
        let after = dir + "/after.ndjson"
        let started = Date().timeIntervalSince1970
        // Long enough for about a hundred requests: a p95 of fifty moves by 15% between runs.
        let loadAfter = try Self.load([a.url, b.url], rate: rate, seconds: 130, requests: after)
        let two = try await Self.advise(config, for: 75)
        Self.wait(loadAfter)
        // Discovery brought the second server in, and the twin models both.
        #expect((two["pools"] as? [[String: Any]])?.first?["nodes"] as? Int == 2, "\(two)")
        // The new server's first requests page its weights in: the first 15 s are left out.
        let scaled = try Self.finished(after, in: (started + 15)...(Date().timeIntervalSince1970))
        try #require(scaled.count >= 50, "only \(scaled.count) requests finished after the scale-up")
        let observedScaled = Self.quantile(scaled, 0.95)
        // The prediction is fitted on one minute of the machine and judged on the next two, and
        // this VM's speed moves by ±20% between minutes, at times by half: over seven runs the
        // prediction held at 1.19-1.30 s while the measured p95 went from 1.00 to 1.51 s
        // (Docs/twin.md). The servers' own counters measure the move: the step one sequence
        // takes, as the twin fitted it to each window's time per output token at its batch.
        // The prediction is judged at the speed the machine then had: at about a third of
        // capacity per server, end to end scales with the step.
        func oneSequence(_ advice: [String: Any]) throws -> Double {
            try #require(((advice["pools"] as? [[String: Any]])?.first?["step"] as? [String: Any])?["one_sequence_s"] as? Double, "\(advice)")
        }
        let speed = try oneSequence(two) / oneSequence(one)
        let scaleError = (plusOne - observedScaled) / observedScaled
        let adjustedError = (plusOne * speed - observedScaled) / observedScaled
        print("twin on llama-server, scale +1: predicted e2e p95 \(plusOne) s, client measured \(observedScaled) s over "
              + "\(scaled.count) requests: \(String(format: "%+.1f", scaleError * 100))%; one sequence's step "
              + "\(try oneSequence(one)) -> \(try oneSequence(two)) s (x\(String(format: "%.3f", speed))), at the machine's speed "
              + "\(String(format: "%+.1f", adjustedError * 100))%")
        #expect(abs(adjustedError) <= 0.25, "predicted \(plusOne) s for scale +1 (x\(speed) for the machine), measured \(observedScaled) s")
    }
}

import Foundation
import Testing

@Suite struct CommandLineTests {
    @Test func snapshotJSONHasEveryTopLevelKey() throws {
        let r = try Harness.fleetdeck(["snapshot", "--scenario", "bank", "--at", "30", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["time", "pools", "nodes", "caches", "latency", "cost", "events"] { #expect(obj[key] != nil, "\(key)") }
        #expect(obj["time"] as? Double == 30)
        let nodes = try #require(obj["nodes"] as? [[String: Any]])
        #expect(nodes.count == 16)
        #expect(nodes.allSatisfy { $0["id"] is String && $0["pool"] is String && $0["state"] is String })
        let pools = try #require(obj["pools"] as? [[String: Any]])
        #expect(pools.compactMap { $0["id"] as? String }.sorted() == ["chat-70b-blue", "chat-70b-green"])
    }

    @Test func snapshotTextIsTheRenderedScreenWithoutEscapes() throws {
        let r = try Harness.fleetdeck(["snapshot", "--scenario", "edge", "--at", "60", "--width", "100", "--height", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count >= 30)
        #expect(r.stdout.contains("Nodes (12)") && r.stdout.contains("edge-devices-01"))
        #expect(!r.stdout.contains("\u{1B}"))
        #expect(lines.allSatisfy { $0.count <= 100 })
    }

    @Test func asciiSnapshotIsPureASCII() throws {
        let r = try Harness.fleetdeck(["snapshot", "--scenario", "rag", "--at", "30", "--ascii"])
        #expect(r.status == 0)
        #expect(r.stdout.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test func sameSeedSameSnapshot() throws {
        let a = try Harness.fleetdeck(["snapshot", "--scenario", "ecommerce", "--at", "20", "--format", "json", "--seed", "9"])
        let b = try Harness.fleetdeck(["snapshot", "--scenario", "ecommerce", "--at", "20", "--format", "json", "--seed", "9"])
        #expect(a.status == 0 && a.stdout == b.stdout)
    }

    @Test func unknownScenarioOrThemeListsTheValidNames() throws {
        let s = try Harness.fleetdeck(["snapshot", "--scenario", "bankk", "--at", "1"])
        #expect(s.status == 2)
        #expect(s.stderr == "fleetdeck: error: unknown scenario 'bankk' (valid: bank, content, ecommerce, edge, rag)\n")
        let t = try Harness.fleetdeck(["demo", "--theme", "neon"])
        #expect(t.status == 2)
        #expect(t.stderr == "fleetdeck: error: unknown theme 'neon' (valid: dark, high-contrast, light, monochrome)\n")
    }

    @Test func malformedFilesNameTheFileLineAndField() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bank = try String(contentsOfFile: Harness.repositoryRoot + "/sample-data/scenarios/bank.yaml", encoding: .utf8)
        let broken = bank.replacingOccurrences(of: "    nodes: 14\n", with: "    nodes: fourteen\n")
        let line = broken.components(separatedBy: "\n").firstIndex { $0.contains("fourteen") }! + 1
        try broken.write(toFile: dir + "/broken.yaml", atomically: true, encoding: .utf8)
        let s = try Harness.fleetdeck(["snapshot", "--scenario", dir + "/broken.yaml", "--at", "1"])
        #expect(s.status == 2)
        #expect(s.stderr == "fleetdeck: error: \(dir)/broken.yaml:\(line): pools[0].nodes: expected a whole number\n")

        try "name: t\nroles:\n  normal: {fg: \"#12\"}\n".write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        let t = try Harness.fleetdeck(["demo", "--theme", dir + "/t.yaml"])
        #expect(t.status == 2)
        #expect(t.stderr.contains("t.yaml:3: roles.normal.fg: '#12' is not a colour"))
        #expect(!t.stderr.contains("Fatal") && !t.stderr.contains("Backtrac"))
    }

    @Test func theConfigFileChoosesTheThemeAndIsChecked() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-config-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/fleetdeck", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A theme named in the XDG config is used (and checked) without --theme.
        try "theme: neon\n".write(toFile: dir + "/fleetdeck/config.yaml", atomically: true, encoding: .utf8)
        try Harness.requireBinary()
        let env = ["FLEETDECK_HOME": Harness.repositoryRoot, "XDG_CONFIG_HOME": dir]
        let a = try Harness.run(Harness.binary, ["demo"], environment: env)
        #expect(a.status == 2)
        #expect(a.stderr.contains("unknown theme 'neon'"))
        try "theme: light\ncolours: many\n".write(toFile: dir + "/fleetdeck/config.yaml", atomically: true, encoding: .utf8)
        let b = try Harness.run(Harness.binary, ["demo"], environment: env)
        #expect(b.status == 2)
        #expect(b.stderr.contains("config.yaml:2: colours: unknown field"))
        let c = try Harness.fleetdeck(["demo", "--config", dir + "/missing.yaml"])
        #expect(c.status == 2 && c.stderr.contains("config file not found"))
    }

    @Test func theConsoleWithoutATerminalSaysSo() throws {
        let r = try Harness.fleetdeck(["demo", "--warmup", "0"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("needs a terminal"))
    }

    @Test func helpDocumentsEveryOption() throws {
        let expected: [[String]: [String]] = [
            ["demo", "--help"]: ["--scenario", "--seed", "--theme", "--ascii", "--config", "--speed", "--warmup"],
            ["snapshot", "--help"]: ["--scenario", "--at", "--format", "--width", "--height", "--screen", "--seed", "--ascii"],
            ["bench", "frame", "--help"]: ["--width", "--height", "--frames", "--scenario"],
            ["bench", "simulate", "--help"]: ["--duration", "--scenario"],
            ["simulate", "--help"]: ["--trace", "--profile", "--engine", "--duration", "--json", "--serve"],
            ["--help"]: ["demo", "snapshot", "bench"],
        ]
        for (args, options) in expected {
            let r = try Harness.fleetdeck(args)
            #expect(r.status == 0)
            for o in options { #expect(r.stdout.contains(o), "\(args) lacks \(o)") }
        }
    }

    @Test func checkExitsOneOnProblemsAndZeroOnACleanPayload() throws {
        let clean = try Harness.fleetdeck(["check", Harness.repositoryRoot + "/sample-data/telemetry/tgi.prom"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("stack: TGI"))
        let bad = try Harness.fleetdeck(["check", Harness.repositoryRoot + "/sample-data/telemetry/malformed.prom"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("line 34: fd_case10_value: invalid value"))
        let missing = try Harness.fleetdeck(["check", "/nonexistent/metrics"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read /nonexistent/metrics"))
    }
}

/// `fleetdeck simulate` headless: the trace replay and the scenario report, as scripts use them.
@Suite struct SimulateCommandTests {
    @Test func aTraceReplayPrintsTheDocumentedJSON() throws {
        let r = try Harness.fleetdeck(["simulate", "--trace", Harness.repositoryRoot + "/sample-data/traces/h100-transformers-cb-light.jsonl",
                                       "--profile", "h100-sxm-hf-eager", "--engine", "transformers-cb-h100", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["ttft_s", "e2e_s"] {
            let q = try #require(obj[key] as? [String: Double], "\(key)")
            #expect(Set(q.keys) == ["p50", "p95", "p99"])
            #expect(q["p50"]! > 0 && q["p50"]! <= q["p95"]! && q["p95"]! <= q["p99"]!)
        }
        let errors = try #require(obj["relative_error"] as? [String: [String: Double]])
        for (metric, q) in errors { for p in ["p50", "p95"] { #expect(abs(q[p]!) <= 0.10, "\(metric) \(p)") } }
        #expect(obj["kv_blocks"] as? Int == 786)
    }

    @Test func aScenarioReportHasEveryPoolWithItsPercentiles() throws {
        let r = try Harness.fleetdeck(["simulate", "--scenario", "edge", "--duration", "10m", "--seed", "3", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["duration_s"] as? Double == 600)
        #expect(obj["seed"] as? Int == 3)
        let pools = try #require(obj["pools"] as? [[String: Any]])
        #expect(pools.compactMap { $0["pool"] as? String } == ["edge-devices", "cloud-backup"])
        for p in pools {
            for key in ["requests", "throughput_rps", "ttft_s", "tpot_s", "e2e_s", "queue_peak", "cost_usd", "slo"] {
                #expect(p[key] != nil, "\(key)")
            }
            let slo = try #require(p["slo"] as? [[String: Any]])
            #expect(slo.allSatisfy { ($0["attainment"] as? Double).map { (0...1).contains($0) } == true })
        }
        // The same seed, the same report.
        let again = try Harness.fleetdeck(["simulate", "--scenario", "edge", "--duration", "10m", "--seed", "3", "--json"])
        #expect(again.stdout == r.stdout)
    }

    @Test func badTracesAndProfilesAreOneLineErrors() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-trace-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{\"arrival_s\": 0, \"prompt_tokens\": 5, \"output_tokens\": 2}\n{\"arrival_s\": 1, \"prompt_tokens\": \"\\u001b[31mred\", \"output_tokens\": 2}\n"
            .write(toFile: dir + "/t.jsonl", atomically: true, encoding: .utf8)
        let r = try Harness.fleetdeck(["simulate", "--trace", dir + "/t.jsonl", "--profile", "h100-sxm"])
        #expect(r.status == 2)
        #expect(r.stderr == "fleetdeck: error: \(dir)/t.jsonl:2: prompt_tokens: expected a number\n")
        let p = try Harness.fleetdeck(["simulate", "--trace", dir + "/t.jsonl", "--profile", "h200"])
        #expect(p.status == 2)
        #expect(p.stderr.contains("unknown profile 'h200' (valid: a100-80gb, arm-edge-4c, h100-sxm, h100-sxm-hf-eager, l4)"))
        try #"{"hardware": {"memory_gib": 8, "bandwidth_TBps": 1, "bf16_TFLOPs": 100}, "models": {"big": {"config": {"hidden_size": 8192, "num_hidden_layers": 80, "num_attention_heads": 64, "num_key_value_heads": 8}, "params": 70000000000}}}"#
            .write(toFile: dir + "/small.json", atomically: true, encoding: .utf8)
        let big = try Harness.fleetdeck(["simulate", "--trace", dir + "/t.jsonl", "--profile", dir + "/small.json"])
        #expect(big.status == 2)
        #expect(big.stderr.contains("t.jsonl:2"))   // the trace is read first
        try "{\"arrival_s\": 0, \"prompt_tokens\": 5, \"output_tokens\": 2}\n".write(toFile: dir + "/ok.jsonl", atomically: true, encoding: .utf8)
        let fits = try Harness.fleetdeck(["simulate", "--trace", dir + "/ok.jsonl", "--profile", dir + "/small.json"])
        #expect(fits.status == 2)
        #expect(fits.stderr.hasPrefix("fleetdeck: error: \(dir)/small.json: 130.4 GiB of big weights per GPU do not fit"), "\(fits.stderr)")
        #expect(!fits.stderr.contains("\u{1B}") && !r.stderr.contains("\u{1B}"))
    }
}

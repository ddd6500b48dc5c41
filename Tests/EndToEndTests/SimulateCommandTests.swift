import FleetdeckTestSupport
import Foundation
import Testing

/// `fleetdeck simulate` headless: the trace replay and the scenario report, as scripts use them.
@Suite struct SimulateCommandTests {
    @Test func aTraceReplayPrintsTheDocumentedJSON() throws {
        let r = try Harness.fleetdeck(["simulate", "--trace", RepositoryRoot.path + "/sample-data/traces/h100-transformers-cb-light.jsonl",
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

    @Test func aPublicTraceReplaysOverAPoolWithItsSLOs() throws {
        let r = try Harness.fleetdeck(["simulate", "--trace", RepositoryRoot.path + "/sample-data/traces/azure-2023-conv.csv",
                                       "--pool", "4xh100-sxm", "--engine", "vllm", "--slo", "ttft_p95=1s", "--slo", "e2e_p99=30s",
                                       "--speedup", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let pool = try #require((obj["pools"] as? [[String: Any]])?.first)
        #expect(pool["requests"] as? Int == 19_366)
        #expect(pool["completed"] as? Int == 19_366)
        #expect(pool["nodes"] as? Int == 4)
        let slo = try #require(pool["slo"] as? [[String: Any]])
        #expect(slo.compactMap { $0["metric"] as? String } == ["ttft", "e2e"])
        // Twice as fast: the hour is played in about half an hour.
        let duration = try #require(obj["duration_s"] as? Double)
        #expect(duration > 1700 && duration < 1900, "\(duration)")
        #expect((pool["cost_usd"] as? Double ?? 0) > 0)
    }

    @Test func poolReplayMistakesAreOneLineErrors() throws {
        let trace = RepositoryRoot.path + "/sample-data/traces/mooncake-conversation.jsonl"
        for (args, words) in [(["--pool", "0xh100-sxm"], "--pool is N or NxPROFILE"),
                              (["--pool", "4xh100-sxm", "--slo", "ttft_p97=1s"], "--slo is METRIC_pNN=TIME"),
                              (["--pool", "4xh100-sxm", "--router", "random"], "--router is one of"),
                              (["--pool", "4xh100-sxm", "--format", "parquet"], "--format is one of"),
                              (["--pool", "4xh100-sxm", "--format", "azure"], "the azure header has no column"),
                              (["--profile", "h100-sxm", "--speedup", "2"], "go with --pool")] {
            let r = try Harness.fleetdeck(["simulate", "--trace", trace] + args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(words), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("\u{1B}"))
        }
    }

    @Test func calibrateFitsTheHostCostAndReportsTheResiduals() throws {
        let trace = RepositoryRoot.path + "/sample-data/traces/h100-transformers-cb-light.jsonl"
        let r = try Harness.fleetdeck(["calibrate", "--profile", "h100-sxm-hf-eager", "--engine", "transformers-cb-h100",
                                       "--trace", trace, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["before", "after"] {
            let side = try #require(obj[key] as? [String: Any], "\(key)")
            let probe = try #require(side["capacity_probe"] as? [String: Double])
            #expect(abs(probe["error"]!) <= 0.10, "\(key): \(probe)")
            let t = try #require((side["traces"] as? [[String: Any]])?.first)
            for q in ["ttft_p50", "ttft_p95", "e2e_p50", "e2e_p95"] { #expect(abs(t[q] as? Double ?? 1) <= 0.10, "\(key) \(q)") }
            #expect((side["host_cost"] as? [String: Double])?["per_sequence_s"] != nil)
        }
        let text = try Harness.fleetdeck(["calibrate", "--profile", "h100-sxm-hf-eager", "--engine", "transformers-cb-h100", "--check"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("capacity probe") && text.stdout.contains("0.905/s"))
        let none = try Harness.fleetdeck(["calibrate", "--profile", "h100-sxm", "--engine", "vllm"])
        #expect(none.status != 0 && none.stderr.contains("nothing to fit to"), "\(none.stderr)")
    }
}

import FleetCore
import Foundation
import Testing
@testable import Scheduler

/// Profiles, engines and traces that are malformed or physically impossible: each error names
/// the file, the line and the field.
@Suite struct EngineInputTests {
    static let goodModel = """
          "m": {"config": {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                           "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256},
                "head_dim": 128, "params": 8030261248}
        """

    static func profileError(_ text: String) -> ConfigFileError? {
        do {
            _ = try NodeProfileLoader.parse(text: text, file: "p.json")
            return nil
        } catch let e as ConfigFileError { return e } catch { return nil }
    }

    @Test func negativeMemoryIsRefusedAtItsLine() throws {
        let e = try #require(Self.profileError("""
            {"hardware": {"gpu": "X",
                          "memory_gib": -80, "bandwidth_TBps": 3, "bf16_TFLOPs": 500},
             "models": {\(Self.goodModel)}}
            """))
        #expect(e.file == "p.json")
        #expect(e.line == 2)
        #expect(e.field == "hardware.memory_gib")
    }

    /// Numbers that would reach `Int(Double)` or overflow a product are refused or clamped:
    /// an nvidia-smi line claiming infinite memory is no memory, and a block count past any
    /// GPU's is named.
    @Test func absurdMemoryAndBlockCountsAreRefusedNotTrapped() throws {
        #expect(NodeProfileLoader.memoryFromNvidiaSMI("X, inf MiB") == nil)
        #expect(NodeProfileLoader.memoryFromNvidiaSMI("X, 1e300 MiB") == nil)
        #expect(NodeProfileLoader.memoryFromNvidiaSMI("NVIDIA H100 80GB HBM3, 81559 MiB") == 81559.0 / 1024)
        let error = #expect(throws: ConfigFileError.self) {
            try EngineSettingsLoader.parse(text: "num_blocks: 1000000000000000000\n", file: "e.yaml")
        }
        #expect(error?.field == "num_blocks")
        let settings = EngineSettings()
        #expect(settings.kvBlocks(memoryGiBPerGPU: 1e12, weightBytes: 0, kvBytesPerToken: 1) == EngineSettings.maxBlocks)
        #expect(settings.kvBlocks(memoryGiBPerGPU: 1e300, weightBytes: 0, kvBytesPerToken: 1) == nil)
        #expect(settings.kvBlocks(memoryGiBPerGPU: .nan, weightBytes: 0, kvBytesPerToken: 1) == nil)
    }

    @Test func profileMistakesNameTheirField() throws {
        let cases: [(String, String, Int)] = [
            (#"{"hardware": {"bandwidth_TBps": 3}}"#, "hardware", 1),
            (#"{"hardware": {"bandwidth_TBps": 3, "bf16_TFLOPs": 500, "memroy_gib": 4}}"#, "hardware.memroy_gib", 1),
            ("{\"hardware\": {\"bandwidth_TBps\": 3, \"bf16_TFLOPs\": 500},\n \"models\": {\"m\": {\"config\": {\"hidden_size\": 64, \"num_hidden_layers\": 2,\n \"num_attention_heads\": 6, \"num_key_value_heads\": 4}, \"params\": 1e8}}}",
             "models.m.config.num_key_value_heads", 3),
            ("{\"hardware\": {\"bandwidth_TBps\": 3, \"bf16_TFLOPs\": 500},\n \"models\": {\(Self.goodModel.replacingOccurrences(of: "\"params\": 8030261248", with: "\"params\": 8030261248, \"prefill\": [{\"tokens\": 64, \"median_ms\": -2}], \"decode\": [{\"batch\": 1, \"context\": 1, \"median_ms\": 3}]"))}}",
             "models.m.prefill[0].median_ms", 4),
        ]
        for (text, field, line) in cases {
            let e = try #require(Self.profileError(text), "accepted: \(text)")
            #expect(e.field == field, "\(e)")
            #expect(e.line == line, "\(e)")
        }
    }

    @Test func aModelLargerThanItsGPUsIsRefused() throws {
        let p = try NodeProfileLoader.parse(text: """
            {"hardware": {"gpu": "small", "memory_gib": 8, "bandwidth_TBps": 0.3, "bf16_TFLOPs": 50},
             "models": {\(Self.goodModel)}}
            """, file: "small.json")
        #expect(throws: TraceReplay.Failure.self) {
            try TraceReplay(profile: p, profileFile: "small.json", modelName: nil, engine: EngineSettings())
        }
        do {
            _ = try TraceReplay(profile: p, profileFile: "small.json", modelName: nil, engine: EngineSettings())
        } catch {
            #expect("\(error)".contains("small.json"))
            #expect("\(error)".contains("do not fit"))
        }
        // Split over two GPUs of 8 GiB it still does not fit (15 GiB at 0.9 of 16).
        let two = EngineSettings(tensorParallelSize: 2)
        #expect(throws: TraceReplay.Failure.self) { try TraceReplay(profile: p, profileFile: "small.json", modelName: nil, engine: two) }
        // Over four it does.
        _ = try TraceReplay(profile: p, profileFile: "small.json", modelName: nil, engine: EngineSettings(tensorParallelSize: 4))
    }

    @Test func engineMistakesNameTheirField() throws {
        let cases: [(String, String)] = [
            (#"{"num_blocks": 0}"#, "num_blocks"),
            (#"{"gpu_memory_utilization": 1.5}"#, "gpu_memory_utilization"),
            (#"{"max_num_seqs": 4096, "max_num_batched_tokens": 512}"#, "max_num_seqs"),
            (#"{"engine": "vllm", "block_sise": 16}"#, "block_sise"),
            (#"{"engine": "triton-fast"}"#, "engine"),
        ]
        for (text, field) in cases {
            do {
                _ = try EngineSettingsLoader.parse(text: text, file: "e.json")
                Issue.record("accepted \(text)")
            } catch let e as ConfigFileError {
                #expect(e.field == field, "\(e)")
                #expect(e.line == 1)
                #expect(e.file == "e.json")
            }
        }
    }

    @Test func traceMistakesNameTheirLineAndField() throws {
        let ok = #"{"arrival_s": 0.5, "prompt_tokens": 10, "output_tokens": 5}"#
        let cases: [(String, Int, String?)] = [
            (ok + "\n" + #"{"arrival_s": 1, "prompt_tokens": -3, "output_tokens": 5}"#, 2, "prompt_tokens"),
            (ok + "\n\n" + #"{"arrival_s": 1, "prompt_tokens": 3}"#, 3, "output_tokens"),
            (ok + "\n" + #"{"arrival_s": -1, "prompt_tokens": 3, "output_tokens": 5}"#, 2, "arrival_s"),
            (ok + "\n" + #"{"arrival_s": "soon", "prompt_tokens": 3, "output_tokens": 5}"#, 2, "arrival_s"),
            (ok + "\n" + #"{"arrival_s": 1, "prompt_tokens": true, "output_tokens": 5}"#, 2, "prompt_tokens"),
            (ok + "\n" + #"{"arrival_s": 1, "prompt_tokens": 3, "output_tok"#, 2, nil),
            (ok + "\n" + #"{"arrival_s": 2, "prompt_tokens": 3, "output_tokens": 5, "first_token_s": 1}"#, 2, "first_token_s"),
        ]
        for (text, line, field) in cases {
            do {
                _ = try ServingTraceReader.parse(Data(text.utf8), file: "t.jsonl")
                Issue.record("accepted \(text)")
            } catch let e as ConfigFileError {
                #expect(e.line == line, "\(e)")
                #expect(e.field == field, "\(e)")
                #expect(e.description.hasPrefix("t.jsonl:\(line)"))
            }
        }
    }

    /// The error replaying `lines` (a trace file "t.jsonl") on the H100 table with `engine`.
    static func replayFailure(_ engine: EngineSettings, _ lines: String) throws -> String? {
        let profile = try NodeProfileLoader.load(file: EngineModelTests.profilePath)
        let replay = try TraceReplay(profile: profile, profileFile: "p", modelName: nil, engine: engine)
        do {
            _ = try replay.run(try ServingTraceReader.parse(Data(lines.utf8), file: "t.jsonl"), file: "t.jsonl")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aRequestLongerThanTheCacheIsNamedByItsLine() throws {
        let error = try Self.replayFailure(EngineSettings(numBlocks: 10, maxNumSeqs: 8), """
            {"arrival_s": 0, "prompt_tokens": 10, "output_tokens": 5}
            {"arrival_s": 1, "prompt_tokens": 150, "output_tokens": 50}
            """)
        #expect(error?.hasPrefix("t.jsonl:2:") == true, "a 200-token request in a 160-token cache: \(error ?? "ran")")
    }

    @Test func withoutChunkedPrefillAPromptOverTheBudgetIsNamed() throws {
        let error = try Self.replayFailure(EngineSettings(maxNumBatchedTokens: 512, maxNumSeqs: 8, enableChunkedPrefill: false), """
            {"arrival_s": 0, "prompt_tokens": 100, "output_tokens": 5}
            {"arrival_s": 1, "prompt_tokens": 600, "output_tokens": 5}
            """)
        #expect(error?.hasPrefix("t.jsonl:2: prompt_tokens 600 exceed max_num_batched_tokens (512)") == true, "\(error ?? "ran")")
    }

    @Test func aHeadCountThatDoesNotDivideTheHiddenSizeNeedsHeadDim() throws {
        let e = try #require(Self.profileError("""
            {"hardware": {"bandwidth_TBps": 3, "bf16_TFLOPs": 500},
             "models": {"m": {"config": {"hidden_size": 100, "num_hidden_layers": 2, "num_attention_heads": 8,
                                         "num_key_value_heads": 8}, "params": 1000000000}}}
            """))
        #expect(e.field == "models.m.config.hidden_size")
        #expect(e.message.contains("give head_dim"))
    }

    @Test func aPoolWhoseWeightsLeaveNoKVCacheIsRefused() throws {
        // 70B in bf16 on two 80 GB GPUs at 0.9: 130 GiB of weights in 144 GiB, less activations,
        // leaves KV room; at 0.82 the weights fit but leave no room for the KV cache.
        func pool(_ util: Double) throws -> Scenario {
            try ScenarioLoader.parse(text: """
                name: tight
                title: tight
                api_baseline: {input_per_mtok: 1, output_per_mtok: 2}
                pools:
                  - id: p
                    model: {name: llama-70b, params_b: 70, quantization: bf16, layers: 80, kv_heads: 8, head_dim: 128}
                    gpu: H100-SXM
                    gpus_per_node: 2
                    gpu_memory_utilization: \(util)
                    nodes: 1
                workload:
                  peak_rps: 1
                  classes: [{name: c, share: 1, pool: p, prompt_tokens: {median: 100}, output_tokens: {median: 10}}]
                """, file: "tight.yaml")
        }
        _ = try pool(0.95)
        do {
            _ = try pool(0.82)
            Issue.record("a node with no room for its KV cache")
        } catch let e as ConfigFileError {
            #expect(e.field == "pools[0].model")
            #expect(e.line == 6)
            #expect(e.message.contains("KV tokens per node"))
        }
    }
}

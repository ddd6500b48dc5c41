import FleetCore
import Foundation
import MetricsFormats
import Testing

@Suite struct NDJSONRecordTests {
    @Test func nodeRecordsWithEveryField() throws {
        let line = #"{"ts": 1760007600.5, "node": "vllm-0", "pool": "chat", "running": 41, "waiting": 6, "kv_cache": 0.73, "tokens_per_s": 2400, "prefix_hit_rate": 0.61, "gpus": [{"util": 0.97, "mem_used_gib": 71.9, "mem_total_gib": 80, "power_w": 512, "temp_c": 51}], "ttft_s": [0.12, 0.31], "e2e_s": [1.8], "cost_per_hour": 3.5, "custom_field": true}"#
        guard case .success(.node(let r)) = NDJSONRecordParser.parse(line: line) else { Issue.record("not parsed"); return }
        #expect(r.node == "vllm-0" && r.pool == "chat" && r.state == .up)
        #expect(r.running == 41 && r.waiting == 6 && r.kvCache == 0.73 && r.tokensPerSecond == 2400)
        #expect(r.gpus.first?.utilization == 0.97 && r.gpus.first?.memoryTotalGiB == 80)
        #expect(r.ttft == [0.12, 0.31] && r.e2e == [1.8] && r.costPerHour == 3.5 && r.time == 1760007600.5)
    }

    @Test func eventsAndRefusals() {
        guard case .success(.event(_, let sev, let msg, _, _)) = NDJSONRecordParser.parse(line: #"{"type":"event","severity":"warning","message":"reload"}"#) else {
            Issue.record("event not parsed"); return
        }
        #expect(sev == .warning && msg == "reload")
        func reason(_ l: String) -> String? {
            if case .failure(let e) = NDJSONRecordParser.parse(line: l) { return e.message }
            return nil
        }
        #expect(reason("not json") == "not JSON")
        #expect(reason("[1,2]") == "expected a JSON object")
        #expect(reason(#"{"pool":"x"}"#) == "node record without \"node\"")
        #expect(reason(#"{"node":"a","state":"sleepy"}"#)?.hasPrefix("unknown state 'sleepy'") == true)
        #expect(reason(#"{"node":"a","kv_cache":1.5}"#) == "kv_cache 1.5 is outside 0...1")
        #expect(reason(#"{"type":"metric"}"#) == "unknown record type 'metric'")
    }

    /// Numbers no server should send still give a drawable record, never a trap.
    @Test func absurdNumbersAreClampedNotTrapped() {
        let line = #"{"node":"a","running":1e300,"waiting":-5,"gpus":[{"index":1e300,"util":-1,"power_w":1e308}],"ttft_s":[1e306,-1,0.5]}"#
        guard case .success(.node(let r)) = NDJSONRecordParser.parse(line: line) else { Issue.record("not parsed"); return }
        #expect(r.running == Int(Counts.ceiling) && r.waiting == 0)
        #expect(r.gpus.first?.index == Int(Counts.ceiling) && r.gpus.first?.utilization == 0)
        #expect(r.gpus.first?.powerWatts == 1e15)
        #expect(r.ttft.contains(0.5) && !r.ttft.contains(-1))
    }
}

import FleetCore
import Foundation
import Testing
@testable import Telemetry

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
}

@Suite struct LineSplitterTests {
    @Test func keepsPartialLinesUntilTheyEnd() {
        var s = LineSplitter(maxLine: 16)
        #expect(s.feed(Array("ab".utf8)) == [])
        #expect(s.feed(Array("c\r\nde\n".utf8)) == [.line("abc"), .line("de")])
        #expect(s.feed(Array(String(repeating: "x", count: 40).utf8) + [0x0A] + Array("ok\n".utf8)) == [.tooLong, .line("ok")])
    }
}

@Suite struct FollowedFileTests {
    @Test func followsAppendsTruncationAndRotation() throws {
        let path = NSTemporaryDirectory() + "fleetdeck-follow-\(getpid()).ndjson"
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".1") }
        try "one\n".write(toFile: path, atomically: false, encoding: .utf8)
        let f = FollowedFile(path: path)
        #expect(String(decoding: f.poll().bytes, as: UTF8.self) == "one\n")
        #expect(f.poll().bytes.isEmpty)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data("two\n".utf8))
        try h.close()
        #expect(String(decoding: f.poll().bytes, as: UTF8.self) == "two\n")
        // Truncated and rewritten shorter: read from the start again.
        try "3\n".write(toFile: path, atomically: false, encoding: .utf8)
        let t = f.poll()
        #expect(t.restarted && String(decoding: t.bytes, as: UTF8.self) == "3\n")
        // Rotated: the old file moves away, the writer adds a last line to it, and a new file
        // takes the path. The last line is read before the new file, as `tail -F` does.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        let old = try FileHandle(forWritingTo: URL(fileURLWithPath: path + ".1"))
        try old.seekToEnd()
        try old.write(contentsOf: Data("last words\n".utf8))
        try old.close()
        try "fresh\n".write(toFile: path, atomically: false, encoding: .utf8)
        let r = f.poll()
        #expect(String(decoding: r.oldTail, as: UTF8.self) == "last words\n")
        #expect(r.restarted && String(decoding: r.bytes, as: UTF8.self) == "fresh\n")
    }

    @Test func aMissingFileIsAnErrorNotACrash() {
        let f = FollowedFile(path: "/nonexistent/fleet.ndjson")
        #expect(f.poll().bytes.isEmpty)
        #expect(f.lastError?.contains("cannot open /nonexistent/fleet.ndjson") == true)
    }
}

@Suite struct StreamAggregatorTests {
    @Test func newestFiguresLatencyWindowsSilenceAndBadLines() {
        let a = StreamAggregator(name: "s", pools: [.init(id: "chat", objectives: [SLOObjective(metric: .e2e, percentile: 95, target: 2)])],
                                 startTime: 0, interval: 1)
        a.ingest(line: #"{"node":"a","pool":"chat","running":3,"waiting":1,"e2e_s":[1,1,1,3,3]}"#, source: "f", lineNumber: 1, at: 0.5)
        a.ingest(line: #"{"node":"a","pool":"chat","running":5,"waiting":2,"e2e_s":[3,3,3,3,3]}"#, source: "f", lineNumber: 2, at: 0.8)
        a.ingest(line: "garbage", source: "f", lineNumber: 3, at: 0.9)
        a.ingest(line: #"{"type":"event","severity":"critical","message":"GPU fell off the bus"}"#, source: "f", lineNumber: 4, at: 0.9)
        let s = a.snapshot(at: 1)
        #expect(s.nodes.count == 1 && s.nodes[0].running == 5 && s.nodes[0].waiting == 2 && s.nodes[0].state == .up)
        let p95 = s.latency.first?.e2e.p95 ?? 0
        #expect(p95 > 2.8 && p95 < 3.2)
        #expect(s.latency.first?.breached.count == 1)
        #expect(s.events.contains { $0.message == "GPU fell off the bus" && $0.severity == .critical })
        #expect(s.sources.first?.reason == "1 line refused; last: f:3: not JSON")
        #expect(a.snapshot(at: 5).nodes[0].state == .stale)
        let down = a.snapshot(at: 12).nodes[0]
        #expect(down.state == .down && down.running == 0 && down.stateReason?.hasPrefix("no record for") == true)
    }
}

@Suite struct LoopbackListenerTests {
    @Test func producersOnLoopbackAreReadLineByLine() throws {
        let port = try #require(Loopback.freePort())
        let listener = try LoopbackListener(port: port)
        let client = try #require(Loopback.connect(port: port))
        defer { close(client) }
        let payload = Array("{\"node\":\"a\"}\n{\"node\":\"b\"}\npartial".utf8)
        _ = payload.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
        var got: [(line: LineSplitter.Piece, source: String, number: Int)] = []
        for _ in 0..<50 where got.count < 2 {
            got += listener.poll()
            usleep(20_000)
        }
        #expect(got.map(\.line) == [.line("{\"node\":\"a\"}"), .line("{\"node\":\"b\"}")])
        #expect(got.map(\.number) == [1, 2])
        #expect(got.first?.source.hasPrefix("tcp:\(port)") == true)
    }
}

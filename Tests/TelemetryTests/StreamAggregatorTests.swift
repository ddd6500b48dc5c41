import FleetdeckTestSupport
import FleetCore
import Foundation
import MetricsFormats
import Testing
@testable import Telemetry

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
        // Ten requests are too few for a verdict (SLOTracker wants 20).
        #expect(s.latency.first?.breached.isEmpty == true)
        #expect(s.events.contains { $0.message == "GPU fell off the bus" && $0.severity == .critical })
        #expect(s.sources.first?.reason == "1 line refused; last: f:3: not JSON")
        #expect(a.snapshot(at: 5).nodes[0].state == .stale)
        let down = a.snapshot(at: 12).nodes[0]
        #expect(down.state == .down && down.running == 0 && down.stateReason?.hasPrefix("no record for") == true)
    }

    /// A watched pool's breach and recovery are events, by the simulator's rule: five ticks
    /// over the target, fifteen under 95% of it.
    @Test func sloBreachAndRecoveryAreLogged() {
        let a = StreamAggregator(name: "s", pools: [.init(id: "chat", objectives: [SLOObjective(metric: .e2e, percentile: 95, target: 2)])],
                                 startTime: 0, interval: 1)
        let slow = (0..<30).map { _ in "3" }.joined(separator: ",")
        a.ingest(line: #"{"node":"a","pool":"chat","e2e_s":[\#(slow)]}"#, source: "f", lineNumber: 1, at: 0.5)
        let breached = (1...5).map { a.snapshot(at: Double($0)) }
        #expect(breached[3].events.allSatisfy { $0.kind != .sloBreach })
        #expect(breached[4].events.filter { $0.kind == .sloBreach }.count == 1)
        // The slow minute passes; fast requests keep coming.
        var last = breached[4]
        for t in 6...90 {
            let fast = (0..<5).map { _ in "0.5" }.joined(separator: ",")
            a.ingest(line: #"{"node":"a","pool":"chat","e2e_s":[\#(fast)]}"#, source: "f", lineNumber: t, at: Double(t) - 0.5)
            last = a.snapshot(at: Double(t))
        }
        #expect(last.events.filter { $0.kind == .sloRecovered }.count == 1)
        #expect(last.latency.first?.breached.isEmpty == true)
    }

    @Test func absurdLatencySamplesAreTakenInNotTrappedOn() {
        let a = StreamAggregator(name: "t", pools: [], startTime: 0, interval: 1)
        a.ingest(line: #"{"node":"a","pool":"chat","running":3,"e2e_s":[1e306,1e306,1],"ttft_s":[1e308,-5,0]}"#,
                 source: "f", lineNumber: 1, at: 0.5)
        a.ingest(line: #"{"node":"a","pool":"chat","running":3,"e2e_s":[1.5]}"#, source: "f", lineNumber: 2, at: 1.5)
        let s = a.snapshot(at: 2)
        let e2e = s.latency.first { $0.pool == "chat" }?.e2e
        #expect(e2e?.p50 != nil && e2e!.p50!.isFinite)
        // Long after, the window has let them go and still reads cleanly.
        #expect(a.snapshot(at: 200).latency.allSatisfy { ($0.e2e.p99 ?? 0).isFinite })
    }

    @Test func newNodesAndPoolsPastTheCapsAreRefusedWithTheLine() {
        let a = StreamAggregator(name: "t", pools: [], startTime: 0, interval: 1, maxNodes: 3, maxPools: 2)
        for (i, (node, pool)) in [("a", "p"), ("b", "q"), ("c", "r"), ("d", "p"), ("a", "p")].enumerated() {
            a.ingest(line: #"{"node":"\#(node)","pool":"\#(pool)","running":1}"#, source: "f", lineNumber: i + 1, at: 1)
        }
        // c would open a third pool: refused. d is then the third node, taken; a, already
        // known, always is.
        #expect(a.rejectedLines == 1)
        #expect(a.lastRejection == "f:3: pool 'r' refused: the stream already has 2 pools (the cap)")
        #expect(a.snapshot(at: 1.5).nodes.map(\.id) == ["a", "b", "d"])
        a.ingest(line: #"{"node":"e","pool":"p","running":1}"#, source: "f", lineNumber: 6, at: 2)
        #expect(a.lastRejection == "f:6: node 'e' refused: the stream already has 3 nodes (the cap)")
        #expect(a.snapshot(at: 2.5).events.filter { $0.message.contains("(the cap)") }.count == 1)
    }
}

extension StreamAggregator {
    /// What `StreamLoop` does with one line: parse, then take it or refuse it.
    func ingest(line: String, source: String, lineNumber: Int, at time: Double) {
        switch NDJSONRecordParser.parse(line: line) {
        case .success(let record): ingest(record, source: source, lineNumber: lineNumber, at: time)
        case .failure(let e): reject(source: source, lineNumber: lineNumber, reason: e.message)
        }
    }
}

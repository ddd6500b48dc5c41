import FleetCore
import Foundation

/// A long recording of a large fleet made fast, for `fleetdeck bench replay`: the real
/// writer makes the keyframes; ticks between them are written straight from the leaves that
/// move (each node's running, waiting, KV cache, tokens/s and GPU use) and the ring appends,
/// so 24 hours of 128 nodes take seconds, not the hour a simulation would.
public enum SyntheticRecording {
    public static func write(path: String, nodes: Int, gpusPerNode: Int, hours: Double, keyframeInterval: Double) throws -> (ticks: Int, bytes: Int) {
        var rng = UInt64(0x9E37_79B9_7F4A_7C15)
        func random() -> Double {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(rng >> 11) / Double(1 << 53)
        }
        let pools = 4
        var snapshot = FleetSnapshot(
            time: 0, timeOfDay: 0, source: SourceInfo(kind: .scrape, name: "synthetic", title: "\(nodes) synthetic vLLM nodes"),
            pools: (0..<pools).map { p in
                PoolSnapshot(id: "pool-\(p)", kind: .gpu, engine: "vllm", model: "llama-3-70b", nodes: nodes / pools, nodesUp: nodes / pools,
                             running: 0, waiting: 0, arrivalRate: 0, completionRate: 0, shedRate: 0, history: PoolHistory(capacity: 300))
            },
            nodes: (0..<nodes).map { n in
                NodeSnapshot(id: String(format: "node-%03d", n), pool: "pool-\(n % pools)", state: .up, engine: "vllm", model: "llama-3-70b",
                             version: "v1", gpus: (0..<gpusPerNode).map {
                                 GPUSnapshot(index: $0, name: "H100-SXM", utilization: 0.5, memoryUsedGiB: 72, memoryTotalGiB: 80,
                                             powerWatts: 500, temperatureC: 60)
                             },
                             gpuUtilization: 0.5, kvCacheUsage: 0.5, running: 0, waiting: 0, tokensPerSecond: 0, promptTokensPerSecond: 0,
                             prefixCacheHitRate: 0.3, preemptionsPerSecond: 0, history: NodeHistory())
            },
            caches: [], latency: [], cost: CostSnapshot(pools: [], history: SeriesRing(capacity: 300)), events: [])
        let writer = try RecordingWriter(path: path, keyframeInterval: keyframeInterval)
        let (shape, _) = try SnapshotShape.flatten(Array(try RecordingJSON.encoder(packed: false).encode(SnapshotSeries.stripped(snapshot)))[...])
        func leaf(_ path: [SnapshotShape.PathKey]) -> Int { shape.leaf(path) ?? 0 }
        let timeLeaf = leaf([.key("time")]), dayLeaf = leaf([.key("timeOfDay")])
        let nodeLeaves = (0..<nodes).map { n in
            ["running", "waiting", "kvCacheUsage", "tokensPerSecond", "gpuUtilization"].map { leaf([.key("nodes"), .index(n), .key($0)]) }
        }
        let gpuLeaves = (0..<nodes).map { n in (0..<gpusPerNode).map { leaf([.key("nodes"), .index(n), .key("gpus"), .index($0), .key("utilization")]) } }
        let ticks = Int(hours * 3600)
        for t in 0..<ticks {
            let time = Double(t)
            snapshot.time = time
            snapshot.timeOfDay = time
            var d = "\(timeLeaf),\(time),\(dayLeaf),\(time)"
            var a = ""
            for n in 0..<nodes {
                let running = Int(random() * 64), waiting = Int(random() * 8)
                let kv = (random() * 1000).rounded() / 1000, tps = (random() * 30_000).rounded() / 10, util = (random() * 100).rounded() / 100
                snapshot.nodes[n].running = running
                snapshot.nodes[n].waiting = waiting
                snapshot.nodes[n].kvCacheUsage = kv
                snapshot.nodes[n].tokensPerSecond = tps
                snapshot.nodes[n].gpuUtilization = util
                snapshot.nodes[n].history.append(at: time, gpuUtilization: util, kvCacheUsage: kv, tokensPerSecond: tps,
                                                 running: Double(running), waiting: Double(waiting))
                let l = nodeLeaves[n]
                d += ",\(l[0]),\(running),\(l[1]),\(waiting),\(l[2]),\(kv),\(l[3]),\(tps),\(l[4]),\(util)"
                for (g, gl) in gpuLeaves[n].enumerated() {
                    let u = max(0, min(1, util + (random() - 0.5) / 10))
                    let shown = (u * 100).rounded() / 100
                    snapshot.nodes[n].gpus[g].utilization = shown
                    d += ",\(gl),\(shown)"
                }
                let base = n * 5
                let values = [util, kv, tps, Double(running), Double(waiting)].map { "\(Float($0))" }
                for k in 0..<5 { a += (a.isEmpty ? "" : ",") + "[\(base + k),\(values[k])]" }
            }
            if writer.ticks == 0 || writer.wantsFullKeyframe(at: time) {
                try writer.record(snapshot)
            } else {
                try writer.writeRawTick(#"{"type":"tick","t":\#(time),"d":[\#(d)],"a":[\#(a)]}"#, time: time)
            }
        }
        try writer.close()
        return (writer.ticks, writer.bytesWritten)
    }
}

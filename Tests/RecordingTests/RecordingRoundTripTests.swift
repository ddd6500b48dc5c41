import FleetCore
import FleetdeckTestSupport
import Foundation
import Testing
@testable import FleetCore
@testable import Recording
@testable import Scheduler

/// Record a simulated fleet, replay it, compare every tick.
@Suite struct RecordingRoundTripTests {
    static func scenario(_ name: String) throws -> Scenario {
        try ScenarioLoader.load(file: RepositoryRoot.path + "/sample-data/scenarios/\(name).yaml")
    }

    /// Simulates `seconds` and records every sample; returns the live snapshots.
    static func record(_ name: String, seconds: Int, to path: String, keyframeInterval: Double = 60) throws -> [FleetSnapshot] {
        let sim = FleetSimulator(scenario: try scenario(name), seed: 7)
        let writer = try RecordingWriter(path: path, keyframeInterval: keyframeInterval)
        var live: [FleetSnapshot] = []
        for t in 1...seconds {
            sim.advance(to: Double(t))
            let s = sim.snapshot()
            try writer.record(s)
            live.append(s)
        }
        try writer.close()
        return live
    }

    func temp(_ name: String) -> String { NSTemporaryDirectory() + "fleetdeck-rec-\(getpid())-\(name)" }

    @Test(arguments: ["edge", "bank"])
    func everyTickReplaysIdentically(_ scenario: String) throws {
        let path = temp("\(scenario).ndjson")
        defer { unlink(path) }
        let live = try Self.record(scenario, seconds: 150, to: path, keyframeInterval: 30)
        let file = try RecordingFile(path: path)
        #expect(file.frames.count == live.count)
        #expect(file.problems.isEmpty && file.cutShort == nil)
        let cursor = ReplayCursor(file: file)
        var mismatches: [Double] = []
        for (i, expected) in live.enumerated() {
            cursor.seek(toFrame: i)
            if try cursor.snapshot() != expected { mismatches.append(expected.time) }
        }
        #expect(mismatches.isEmpty, "ticks that differ: \(mismatches.prefix(5))")
        #expect(cursor.problems.isEmpty)
    }

    @Test func gzipRecordingsReplayTheSame() throws {
        let path = temp("edge.ndjson.gz")
        defer { unlink(path) }
        let live = try Self.record("edge", seconds: 90, to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.prefix(2) == Data([0x1F, 0x8B]))
        let cursor = ReplayCursor(file: try RecordingFile(path: path))
        cursor.seek(toFrame: 89)
        #expect(try cursor.snapshot() == live[89])
    }

    @Test func seekLandsOnTheRightTickFromAnyDirection() throws {
        let path = temp("seek.ndjson")
        defer { unlink(path) }
        let live = try Self.record("edge", seconds: 200, to: path, keyframeInterval: 25)
        let cursor = ReplayCursor(file: try RecordingFile(path: path))
        var rng = SeededRandom(seed: 3)
        for _ in 0..<40 {
            let target = Int(rng.next() % 200)
            cursor.seek(toFrame: target)
            #expect(cursor.frame == target)
            let got = try cursor.snapshot()
            #expect(got == live[target], "frame \(target): \(firstDifference(got, live[target]))")
        }
        // By time, between ticks: the tick at or before.
        cursor.seek(toTime: live[120].time + 0.5)
        #expect(try cursor.snapshot().time == live[120].time)
    }
}

/// Where two snapshots differ, as JSON text around the first difference (for failure messages).
func firstDifference(_ a: FleetSnapshot, _ b: FleetSnapshot) -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
    let x = Array((try? e.encode(a)) ?? Data()), y = Array((try? e.encode(b)) ?? Data())
    guard let i = zip(x, y).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
        return x.count == y.count ? "same JSON" : "lengths \(x.count) vs \(y.count)"
    }
    let lo = max(0, i - 150)
    return "replayed …\(String(decoding: x[lo..<min(x.count, i + 60)], as: UTF8.self))\n   live …\(String(decoding: y[lo..<min(y.count, i + 60)], as: UTF8.self))"
}

import Foundation
import Synchronization
import Testing
@testable import FleetCore
@testable import Recording
@testable import Scheduler

/// Files cut short, damaged, from the future, or carrying hostile text.
@Suite struct RecordingRobustnessTests {
    func temp(_ name: String) -> String { NSTemporaryDirectory() + "fleetdeck-robust-\(getpid())-\(name)" }

    @Test func aFileCutMidLineReplaysUpToItsLastCompleteLine() throws {
        let path = temp("cut.ndjson")
        defer { unlink(path) }
        let live = try RecordingRoundTripTests.record("edge", seconds: 80, to: path, keyframeInterval: 30)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        // Cut in the middle of the 61st tick's line, as kill -9 during a write would.
        let starts = [0] + bytes.indices.filter { bytes[$0] == 0x0A }.map { $0 + 1 }
        let file0 = try RecordingFile(bytes: bytes, path: path)
        let line = file0.frames[60].line
        bytes = Array(bytes[0..<(starts[line - 1] + 25)])
        let file = try RecordingFile(bytes: bytes, path: path)
        #expect(file.frames.count == 60)
        #expect(file.cutShort?.contains("ends mid-line at line \(line)") == true, "\(String(describing: file.cutShort))")
        let cursor = ReplayCursor(file: file)
        cursor.seek(toFrame: 59)
        #expect(try cursor.snapshot() == live[59])
    }

    @Test func aCutGzipFileReplaysWhatWasFlushed() throws {
        let path = temp("cut.ndjson.gz")
        defer { unlink(path) }
        let live = try RecordingRoundTripTests.record("edge", seconds: 60, to: path)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let file = try RecordingFile(bytes: Array(bytes[0..<(bytes.count * 2 / 3)]), path: path)
        #expect(file.cutShort != nil)
        #expect(file.frames.count > 10 && file.frames.count < 60)
        let cursor = ReplayCursor(file: file)
        cursor.seek(toFrame: file.frames.count - 1)
        #expect(try cursor.snapshot() == live[file.frames.count - 1])
    }

    @Test func aCorruptedLineIsSkippedAndNamedTheRestPlays() throws {
        let path = temp("corrupt.ndjson")
        defer { unlink(path) }
        let live = try RecordingRoundTripTests.record("edge", seconds: 90, to: path, keyframeInterval: 30)
        let file0 = try RecordingFile(path: path)
        let damaged = file0.frames[40].line          // a tick line, by its 1-based number
        #expect(!file0.frames[40].isKeyframe)
        let file = try edited(path) { $0[damaged - 1] = String($0[damaged - 1].prefix(30)) + "\u{0}\u{1}garbage]]" }
        let cursor = ReplayCursor(file: file)
        cursor.seek(toFrame: file.frames.count - 1)
        let problems = file.problems + cursor.problems
        #expect(problems.map(\.line).contains(damaged), "\(problems)")
        // After the next keyframe everything is exact again.
        #expect(try cursor.snapshot() == live[live.count - 1])
    }

    @Test func aKeyframeWhoseRingsDoNotFitIsAnErrorWithItsLine() throws {
        let path = temp("rings.ndjson")
        defer { unlink(path) }
        _ = try RecordingRoundTripTests.record("edge", seconds: 20, to: path, keyframeInterval: 30)
        let key = try RecordingFile(path: path).frames[0].line
        // One history ring fewer than the keyframe's nodes, pools and caches need: the last
        // entry of its "series" array cut out (the entries are flat objects, strings base64).
        let file = try edited(path) { lines in
            let line = lines[key - 1]
            let open = try #require(line.range(of: #""series":["#))
            let close = try #require(line[open.upperBound...].firstIndex(of: "]"))
            let last = try #require(line[open.upperBound..<close].range(of: ",{", options: .backwards))
            lines[key - 1] = String(line[..<last.lowerBound]) + String(line[close...])
        }
        let cursor = ReplayCursor(file: file)
        cursor.seek(toFrame: 3)
        #expect(throws: RecordingError.self) { try cursor.snapshot() }
        do { _ = try cursor.snapshot() } catch {
            #expect("\(error)".contains(":\(key): a damaged keyframe"), "\(error)")
        }
    }

    /// Played live, a damaged keyframe is passed over to the next good one, and the transport
    /// says which line was skipped, instead of the screen freezing on the last good frame.
    @Test func liveReplayPlaysPastADamagedKeyframeAndSaysSo() throws {
        let path = temp("live-damage.ndjson")
        defer { unlink(path) }
        let live = try RecordingRoundTripTests.record("edge", seconds: 70, to: path, keyframeInterval: 30)
        let key = try RecordingFile(path: path).frames[0].line
        let file = try damagingKeyframe(atLine: key, of: path)
        let store = SnapshotStore()
        let driver = ReplayDriver(file: file, store: store, startPaused: true)
        driver.publish()
        let shown = try #require(store.latest().snapshot)
        let next = try #require(file.frames.indices.first { $0 > 0 && file.frames[$0].isFullKeyframe })
        #expect(shown.time == live[next].time)
        #expect(shown.replay?.notice?.contains("damaged keyframe skipped (line \(key))") == true, "\(shown.replay?.notice ?? "none")")
    }

    /// The recording at `path` with its lines changed by `edit`, read back.
    func edited(_ path: String, _ edit: (inout [String]) throws -> Void) throws -> RecordingFile {
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        try edit(&lines)
        return try RecordingFile(bytes: Array(lines.joined(separator: "\n").utf8), path: path)
    }

    /// The recording at `path` with the keyframe at `line` damaged (a ring too many), read back.
    func damagingKeyframe(atLine line: Int, of path: String) throws -> RecordingFile {
        try edited(path) { lines in
            let open = try #require(lines[line - 1].range(of: #""series":["#))
            lines[line - 1].replaceSubrange(open, with: #""series":[{"capacity":0},"#)
        }
    }

    /// Stepping back into the stretch of a damaged keyframe (not the first) shows the frame
    /// asked for, built from the keyframe before, not the next good keyframe after.
    @Test func steppingBackIntoDamageShowsTheFrameAskedFor() throws {
        let path = temp("back-damage.ndjson")
        defer { unlink(path) }
        _ = try RecordingRoundTripTests.record("edge", seconds: 70, to: path, keyframeInterval: 30)
        let file0 = try RecordingFile(path: path)
        let keys = file0.frames.indices.filter { file0.frames[$0].isFullKeyframe }
        try #require(keys.count >= 3)
        let file = try damagingKeyframe(atLine: file0.frames[keys[1]].line, of: path)
        let store = SnapshotStore()
        let driver = ReplayDriver(file: file, store: store, startPaused: true)
        _ = driver.handle(.seekTo(file.frames[keys[2]].time), playhead: 0)
        _ = driver.handle(.step(-(keys[2] - keys[1] - 1)), playhead: 0)   // into the damaged stretch
        driver.publish()
        #expect(store.latest().snapshot?.time == file.frames[keys[1] + 1].time)
    }

    /// Numbers past what an index, a ring or a clock can be are damage to report, not traps:
    /// a 20-digit leaf index in a tick, a ring of 2^63 - 1 samples in a keyframe, a tick at
    /// 1e300 seconds.
    @Test func numbersPastTheirRangeAreDamageNotTraps() throws {
        let path = temp("numbers.ndjson")
        defer { unlink(path) }
        _ = try RecordingRoundTripTests.record("edge", seconds: 20, to: path, keyframeInterval: 30)
        let file0 = try RecordingFile(path: path)
        let key = file0.frames[0].line, tick = file0.frames[3].line, later = file0.frames[5].line
        func replay(_ edit: (inout [String]) throws -> Void) throws -> ReplayCursor {
            let cursor = ReplayCursor(file: try edited(path, edit))
            cursor.seek(toFrame: file0.frames.count - 1)
            return cursor
        }
        let hugeIndex = try replay { l in
            let d = try #require(l[tick - 1].range(of: #""d":["#))
            l[tick - 1].replaceSubrange(d, with: #""d":[99999999999999999999,1,"#)
        }
        #expect((try? hugeIndex.snapshot()) != nil)
        let hugeRing = try replay { l in
            let series = try #require(l[key - 1].range(of: #""series":["#))
            let c = try #require(l[key - 1].range(of: #""capacity":"#, range: series.upperBound..<l[key - 1].endIndex))
            l[key - 1].replaceSubrange(c, with: #""capacity":9223372036854775807,"x":"#)
        }
        #expect((try? hugeRing.snapshot()) == nil, "a keyframe asking for a ring of 2^63 - 1 samples is damaged")
        let farTime = try replay { l in
            let t = try #require(l[later - 1].range(of: #""t":"#))
            l[later - 1].replaceSubrange(t, with: #""t":1e300,"u":"#)
        }
        #expect((try? farTime.snapshot()) != nil)
    }

    @Test func aGzipThatInflatesFarPastItsSizeIsRefused() throws {
        // Blank lines compress about 1,000 to 1: 3 MiB of them in a few KiB.
        let bomb = try GzipWriter().compress(Array(repeating: 0x0A, count: 3 << 20), finish: true)
        #expect(bomb.count < 16 << 10)
        #expect(throws: Gzip.TooLarge.self) { _ = try Gzip.decompress(bomb, limit: 1 << 20) }
        #expect(try Gzip.decompress(bomb, limit: 4 << 20).bytes.count == 3 << 20)
        // The limit a recording gets: 200 times its size, at least 256 MiB; the 2 MB file
        // that inflated to 22 GB stops at 400 MB.
        #expect(Gzip.inflationLimit(compressed: 2 << 20) == 400 << 20)
        #expect(Gzip.inflationLimit(compressed: 1000) == 256 << 20)
    }

    @Test func aFullDiskStopsTheRecordingAndSaysSoAtOnce() throws {
        // /dev/full answers every write with ENOSPC.
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let sink = try RecordingSink(path: "/dev/full")
        let told = Mutex<[String]>([])
        sink.onFailure = { reason in told.withLock { $0.append(reason) } }
        let sim = FleetSimulator(scenario: try RecordingRoundTripTests.scenario("edge"))
        for t in 1...3 {
            sim.advance(to: Double(t))
            sink.record(sim.snapshot())
        }
        #expect(told.withLock { $0.count } == 1, "told once, the moment it stopped")
        #expect(sink.error != nil && told.withLock { $0.first } == sink.error)
    }

    @Test func aTimeFarOutOfRangeIsShownNotTrappedOn() {
        // A recording line with "t": 1e308 reaches the clock in the header and the summary.
        #expect(Format.clock(1e308).count == 8)
        #expect(Format.clock(-1e308).count == 8)
        #expect(Format.clock(.nan) == "00:00:00")
        #expect(Format.clock(.infinity) == "00:00:00")
        #expect(Format.clock(90_061) == "01:01:01")
    }

    @Test func aNewerFormatVersionIsAClearError() throws {
        let text = #"{"type":"header","format":"fleetdeck-recording","version":99,"started":0}"# + "\n"
        #expect(throws: RecordingError.newerVersion(file: "future.rec", version: 99)) {
            try RecordingFile(bytes: Array(text.utf8), path: "future.rec")
        }
        do { _ = try RecordingFile(bytes: Array(text.utf8), path: "future.rec") } catch {
            #expect("\(error)".contains("version 99 is newer than this fleetdeck reads (1)"))
        }
        #expect(throws: RecordingError.notARecording("x.prom")) {
            try RecordingFile(bytes: Array("# TYPE up gauge\nup 1\n".utf8), path: "x.prom")
        }
    }

    @Test func theEventsIndexFeedsTheTimelineAndTheSummary() throws {
        let path = temp("events.ndjson")
        defer { unlink(path) }
        _ = try RecordingRoundTripTests.record("bank", seconds: 420, to: path)
        let file = try RecordingFile(path: path)
        // bank: the market-open peak from 4 minutes (a five-minute ramp), SLO breaches on it.
        #expect(file.marks.contains { $0.kind == .incident && $0.time == 240 })
        #expect(file.marks.contains { $0.kind == .sloBreach })
    }

    @Test func transportCommandsMoveTheCursor() throws {
        let path = temp("transport.ndjson")
        defer { unlink(path) }
        _ = try RecordingRoundTripTests.record("bank", seconds: 300, to: path)
        let file = try RecordingFile(path: path)
        let store = SnapshotStore()
        let driver = ReplayDriver(file: file, store: store, startPaused: true)
        var head = driver.handle(.step(1), playhead: 0)
        #expect(head == 2)                        // the first tick is at 1 s
        head = driver.handle(.seekBy(60), playhead: head)
        #expect(head == 62)
        head = driver.handle(.jumpToEvent(forward: true), playhead: head)
        let incident = try #require(file.marks.first { $0.time > 62 }?.time)
        #expect(head == incident.rounded(.up))
        head = driver.handle(.seekBy(20), playhead: head)
        head = driver.handle(.jumpToEvent(forward: false), playhead: head)
        let previous = try #require(file.marks.map(\.time).filter { $0 < incident + 20 }.max())
        #expect(head == previous.rounded(.up))
        head = driver.handle(.seekTo(299), playhead: head)
        #expect(head == 299)
        _ = driver.handle(.faster, playhead: head)
        driver.publish()
        #expect(store.latest().snapshot?.replay?.speed == 2)
        #expect(store.latest().snapshot?.replay?.paused == true)
        #expect(store.latest().snapshot?.time == 299)
    }
}

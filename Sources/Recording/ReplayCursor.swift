import FleetCore
import Foundation

/// A position in a recording and the fleet as it was there. Seeking loads the keyframe at or
/// before the target and applies the ticks after it; stepping forward applies one tick.
public final class ReplayCursor {
    public let file: RecordingFile
    /// The frame shown, an index into `file.frames`; -1 before anything is loaded.
    public private(set) var frame = -1
    private var shape: SnapshotShape?
    private var values: [String] = []
    private var series: [AnySeries] = []
    private var events: [FleetEvent] = []
    /// Lines found unusable while playing (corrupt JSON and the like), with their numbers.
    public private(set) var problems: [RecordingFile.Problem] = []
    private var reported = Set<Int>()

    public init(file: RecordingFile) {
        self.file = file
    }

    /// Moves to frame `target` the cheapest way: forward from here when that is shorter than
    /// from the keyframe before it.
    public func seek(toFrame target: Int) {
        guard !file.frames.isEmpty else { return }
        let t = max(0, min(file.frames.count - 1, target))
        let key = file.keyframe(atOrBefore: t)
        var start = key
        if frame >= key && frame <= t { start = frame + 1 } else { load(frame: key); start = key + 1 }
        if start <= t { for i in start...t { apply(frame: i) } }
        frame = t
    }

    public func seek(toTime time: Double) { seek(toFrame: file.frameIndex(atOrBefore: time)) }

    /// The snapshot at the current frame; a damaged keyframe is `RecordingError.damaged`,
    /// naming its line.
    public func snapshot() throws -> FleetSnapshot {
        let key = file.frames.isEmpty ? 0 : file.frames[file.keyframe(atOrBefore: frame)].line
        guard let shape else {
            if reported.contains(key) { throw RecordingError.damaged(file.path, line: key, reason: "not a readable keyframe") }
            throw RecordingError.empty(file.path)
        }
        var s: FleetSnapshot
        do {
            s = try RecordingJSON.decoder().decode(FleetSnapshot.self, from: Data(shape.build(values).utf8))
        } catch is DecodingError {
            throw RecordingError.damaged(file.path, line: key, reason: "its snapshot does not decode")
        }
        let needed = SnapshotSeries.assign(&s, series)
        guard needed == series.count else {
            throw RecordingError.damaged(file.path, line: key,
                                         reason: "its history rings (\(series.count)) do not fit its nodes, pools and caches (\(needed))")
        }
        s.events = Array(events.suffix(200))
        return s
    }

    /// Seeks to `target`, or, when the snapshot there cannot be built, forward to the first
    /// seek point after it that reads: the snapshot, where it was found, and the damaged
    /// keyframes passed over (errors naming their lines). Nil when nothing after reads.
    public func readableSnapshot(atOrAfter target: Int) -> (snapshot: FleetSnapshot, frame: Int, skipped: [RecordingError])? {
        var skipped: [RecordingError] = []
        var i = max(0, min(target, file.frames.count - 1))
        while i < file.frames.count {
            if let s = snapshot(atFrame: i, failing: &skipped) { return (s, i, skipped) }
            // The next full keyframe: a fresh start that owes nothing to the damaged one.
            guard let next = file.frames.indices.dropFirst(i + 1).first(where: { file.frames[$0].isFullKeyframe }) else { return nil }
            i = next
        }
        return nil
    }

    /// The same, backward: at `target`, or the last frame before it that reads (the frames
    /// before a damaged keyframe were built on the one before it).
    public func readableSnapshot(atOrBefore target: Int) -> (snapshot: FleetSnapshot, frame: Int, skipped: [RecordingError])? {
        var skipped: [RecordingError] = []
        var i = min(target, file.frames.count - 1)
        while i >= 0 {
            if let s = snapshot(atFrame: i, failing: &skipped) { return (s, i, skipped) }
            // Just before the full keyframe this frame was built on.
            guard let k = file.frames.indices.prefix(i + 1).last(where: { file.frames[$0].isFullKeyframe }), k > 0 else { return nil }
            i = k - 1
        }
        return nil
    }

    /// The snapshot at frame `i`, or nil with the reason added to `errors`.
    private func snapshot(atFrame i: Int, failing errors: inout [RecordingError]) -> FleetSnapshot? {
        seek(toFrame: i)
        do {
            return try snapshot()
        } catch let e as RecordingError {
            errors.append(e)
        } catch {
            errors.append(.damaged(file.path, line: file.frames[i].line, reason: "\(error)"))
        }
        return nil
    }

    private func report(_ line: Int, _ message: String) {
        guard reported.insert(line).inserted else { return }
        problems.append(.init(line: line, message: message))
    }

    struct EventLine: Decodable { var event: FleetEvent }

    private func decode<T: Decodable>(_ type: T.Type, line: Int, what: String) -> T? {
        do {
            return try RecordingJSON.decoder().decode(T.self, from: Data(file.line(line)))
        } catch is DecodingError {
            report(line, "not a readable \(what) (corrupted; skipped)")
        } catch {
            report(line, "\(what): \(error) (skipped)")
        }
        return nil
    }

    private func applyEvents(of f: RecordingFile.Frame) {
        for e in f.events {
            guard let line = decode(EventLine.self, line: file.eventLines[e].line, what: "event") else { continue }
            events.append(line.event)
        }
        if events.count > 1_000 { events.removeFirst(events.count - 400) }
    }

    private func load(frame i: Int) {
        let f = file.frames[i]
        frame = i
        guard let o = try? RawJSON.parse(file.line(f.line)), let body = o["snapshot"], let eventsValue = o["events"],
              let loaded = try? RecordingJSON.decoder().decode([FleetEvent].self, from: Data(eventsValue.text.utf8)) else {
            report(f.line, "not a readable keyframe (corrupted; skipped)")
            return
        }
        if f.isFullKeyframe {
            guard let packed = o["series"]?.items, let rings = Self.unpack(packed) else {
                report(f.line, "keyframe without readable history rings (skipped)")
                return
            }
            series = rings
        }
        events = loaded
        (shape, values) = SnapshotShape.flatten(body)
        // A light keyframe carries this tick's ring appends.
        if !f.isFullKeyframe { applyAppends(o, f) }
    }

    private func apply(frame i: Int) {
        let f = file.frames[i]
        if f.isKeyframe {
            load(frame: i)   // a keyframe already holds its tick's events
            return
        }
        applyEvents(of: f)
        if let tick = TickLineScanner.scan(file.line(f.line)) {
            for (idx, raw) in tick.leaves {
                if idx < values.count { values[idx] = raw } else { report(f.line, "leaf index out of range (skipped)") }
            }
            for (idx, raws) in tick.appends {
                guard idx < series.count else { report(f.line, "series index out of range (skipped)"); continue }
                append(raws, to: idx, at: f.time)
            }
            frame = i
            return
        }
        guard let o = try? RawJSON.parse(file.line(f.line)) else {
            report(f.line, "not JSON (corrupted; skipped)")
            frame = i
            return
        }
        applyLeaves(o, f)
        applyAppends(o, f)
        frame = i
    }

    /// The packed rings straight from the parsed line (no second JSON pass over megabytes of
    /// base64): a ring writes `capacity` and `values`; a tiered series `values`,
    /// `minuteMeans` and its minute in progress.
    static func unpack(_ items: [RawJSON.Value]) -> [AnySeries]? {
        func string(_ v: RawJSON.Value?) -> String? {
            // Byte-wise: counting Characters of megabytes of base64 would cost more than decoding it.
            guard let raw = v?.raw, raw.utf8.count >= 2, raw.utf8.first == 0x22, raw.utf8.last == 0x22 else { return nil }
            return String(raw.utf8.dropFirst().dropLast())   // base64 has no escapes
        }
        var out: [AnySeries] = []
        out.reserveCapacity(items.count)
        for item in items {
            if let capacity = item["capacity"]?.raw.flatMap({ Int($0) }) {
                guard capacity > 0, capacity <= SeriesRing.maxCapacity, let text = string(item["values"]), let values = SeriesPacking.unpackDoubles(text) else { return nil }
                out.append(.ring(SeriesRing(capacity: capacity, values: values)))
            } else {
                guard let v = string(item["values"]).flatMap(SeriesPacking.unpackFloats),
                      let m = string(item["minuteMeans"]).flatMap(SeriesPacking.unpackFloats) else { return nil }
                out.append(.tiered(TieredSeries(fine: v, minuteMeans: m, minute: item["currentMinute"]?.raw.flatMap { Int($0) },
                                                minuteSum: item["currentMinuteSum"]?.raw.flatMap { Double($0) } ?? 0,
                                                minuteCount: item["currentMinuteCount"]?.raw.flatMap { Int($0) } ?? 0)))
            }
        }
        return out
    }

    private func applyLeaves(_ o: RawJSON.Value, _ f: RecordingFile.Frame) {
        if let d = o["d"]?.items {
            var k = 0
            while k + 1 < d.count {
                if let idx = d[k].raw.flatMap({ Int($0) }), idx >= 0, idx < values.count, let v = d[k + 1].raw {
                    values[idx] = v
                } else {
                    report(f.line, "leaf index out of range (skipped)")
                }
                k += 2
            }
        }
    }

    private func applyAppends(_ o: RawJSON.Value, _ f: RecordingFile.Frame) {
        for entry in o["a"]?.items ?? [] {
            guard let items = entry.items, let idx = items.first?.raw.flatMap({ Int($0) }), idx >= 0, idx < series.count else {
                report(f.line, "series index out of range (skipped)")
                continue
            }
            append(items.dropFirst().map { Substring($0.raw ?? "null") }, to: idx, at: f.time)
        }
    }

    private func append(_ raws: [Substring], to idx: Int, at time: Double) {
        let tiered = series[idx].isTiered
        for raw in raws {
            // Parsed as the type stored, so the text's shortest form maps back exactly.
            let x = tiered ? Float(raw).map(Double.init) : Double(raw)
            series[idx].append(x ?? .nan, at: time)
        }
    }
}

import FleetCore
import Foundation

/// Writes snapshots as a recording: a keyframe every `keyframeInterval` seconds (and whenever
/// the fleet changes shape), a tick line with what changed otherwise, and event lines for new
/// events. Every line goes to the file with its own `write(2)`, so `kill -9` loses at most the
/// line being written; `.gz` files are flushed to a byte boundary after each tick.
public final class RecordingWriter {
    public let path: String
    public let keyframeInterval: Double
    private let fd: Int32
    private let gzip: GzipWriter?
    private var headerWritten = false
    private var shape: SnapshotShape?
    private var values: [String] = []
    private var seriesNames: [String] = []
    private var seriesTotals: [Int] = []
    private var lastKeyframe = -Double.infinity
    private var lastEvents: [FleetEvent] = []
    private var lastTime: Double?
    public private(set) var ticks = 0
    public private(set) var bytesWritten = 0
    /// A full keyframe also comes once this much has been written since the last one, so a
    /// seek never has more than this to read and apply, however large the fleet.
    public var maxBytesBetweenKeyframes = 4 << 20
    private var bytesAtKeyframe = 0
    private var closed = false

    public init(path: String, keyframeInterval: Double = 300) throws {
        self.path = path
        self.keyframeInterval = keyframeInterval
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RecordingError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        gzip = path.hasSuffix(".gz") ? try GzipWriter() : nil
    }

    deinit { try? close() }

    /// Records one tick of the source. Call in time order, once per published snapshot.
    public func record(_ snapshot: FleetSnapshot) throws {
        guard !closed else { return }
        if let t = lastTime, snapshot.time <= t { return }   // the same tick twice
        if !headerWritten {
            // What happened before the recording began is in the first keyframe's log, not on
            // the timeline.
            lastEvents = snapshot.events
            let header = RecordingHeader(started: Date().timeIntervalSince1970 - snapshot.time, source: snapshot.source,
                                         pools: snapshot.pools.map(\.id), nodes: snapshot.nodes.count,
                                         keyframeInterval: keyframeInterval)
            try writeLine(String(decoding: try RecordingJSON.encoder(packed: false).encode(header), as: UTF8.self))
            headerWritten = true
        }
        var lines = try newEvents(snapshot.events).map(Self.eventLine)
        lastEvents = snapshot.events

        let stripped = SnapshotSeries.stripped(snapshot)
        let strippedJSON = try RecordingJSON.encoder(packed: false).encode(stripped)
        let (newShape, newValues) = try SnapshotShape.flatten(Array(strippedJSON)[...])
        let series = SnapshotSeries.list(snapshot)
        let names = series.map(\.name)
        // A full keyframe (history rings packed in) is a seek point; when only the snapshot's
        // shape changed (an optional figure appeared, say) a light one without rings will do,
        // as the rings carry on from the ticks' appends.
        let full = names != seriesNames || wantsFullKeyframe(at: snapshot.time)
        // Keyframes carry the stripped snapshot exactly as the leaves see it (a reader flattens
        // it without decoding), its events, and (full ones) every ring packed.
        let body = String(decoding: strippedJSON, as: UTF8.self)
        let eventsJSON = String(decoding: try RecordingJSON.encoder(packed: false).encode(snapshot.events), as: UTF8.self)
        if full {
            let packed = String(decoding: try RecordingJSON.encoder(packed: true).encode(series.map { PackedSeries($0.series) }), as: UTF8.self)
            lines.append(#"{"type":"keyframe","t":\#(snapshot.time),"full":true,"snapshot":\#(body),"events":\#(eventsJSON),"series":\#(packed)}"#)
            lastKeyframe = snapshot.time
        } else {
            // What was appended to each ring this tick: [series, values...].
            var a = ""
            for (i, s) in series.enumerated() {
                let added = min(s.series.appendedTotal - seriesTotals[i], 10_000)
                guard added > 0 else { continue }
                if !a.isEmpty { a += "," }
                // Tiered series hold Float32: their shortest Float text reads back to the same value.
                let text: (Double) -> String = s.series.isTiered ? { "\(Float($0))" } : { "\($0)" }
                a += "[\(i)," + s.series.newest(added).map { $0.isFinite ? text($0) : "null" }.joined(separator: ",") + "]"
            }
            if shape != newShape {
                lines.append(#"{"type":"keyframe","t":\#(snapshot.time),"full":false,"snapshot":\#(body),"events":\#(eventsJSON),"a":[\#(a)]}"#)
            } else {
                var d = ""
                for i in 0..<newValues.count where newValues[i] != values[i] {
                    if !d.isEmpty { d += "," }
                    d += "\(i),\(newValues[i])"
                }
                lines.append(#"{"type":"tick","t":\#(snapshot.time),"d":[\#(d)],"a":[\#(a)]}"#)
            }
        }
        shape = newShape
        values = newValues
        seriesNames = names
        seriesTotals = series.map(\.series.appendedTotal)
        lastTime = snapshot.time
        ticks += 1
        try writeLine(lines.joined(separator: "\n"))
        // The budget counts what follows a full keyframe, not the keyframe itself.
        if full { bytesAtKeyframe = bytesWritten }
    }

    /// Whether the tick at `time` should be a full keyframe: the interval has passed, or the
    /// ticks since the last one have reached `maxBytesBetweenKeyframes`.
    public func wantsFullKeyframe(at time: Double) -> Bool {
        time - lastKeyframe >= keyframeInterval || bytesWritten - bytesAtKeyframe >= maxBytesBetweenKeyframes
    }

    /// Event lines for what `events` has that the last tick did not (action outcomes noted
    /// after the last tick, at close): kept in the log and the summary, not in a tick.
    public func recordEvents(_ events: [FleetEvent]) throws {
        guard !closed, headerWritten else { return }
        let lines = try newEvents(events).map(Self.eventLine)
        lastEvents = events
        if !lines.isEmpty { try writeLine(lines.joined(separator: "\n")) }
    }

    static func eventLine(_ e: FleetEvent) throws -> String {
        let body = String(decoding: try RecordingJSON.encoder(packed: false).encode(e), as: UTF8.self)
        return #"{"type":"event","t":\#(e.time),"kind":\#(RecordingJSON.string(e.kind.rawValue)),"event":\#(body)}"#
    }

    /// Events in `current` that were not in the previous snapshot's list (both are the newest
    /// part of an append-only log).
    private func newEvents(_ current: [FleetEvent]) -> ArraySlice<FleetEvent> {
        guard let last = lastEvents.last, let i = current.lastIndex(of: last) else { return current[...] }
        return current[(i + 1)...]
    }

    /// Ends the file with an `end` line (a file without one was cut short).
    public func close() throws {
        guard !closed else { return }
        closed = true
        if headerWritten {
            try? writeLine(#"{"type":"end","t":\#(lastTime ?? 0),"ticks":\#(ticks)}"#, finish: true)
        } else if let g = gzip {
            _ = g.compress([], finish: true)
        }
        Glibc.close(fd)
    }

    /// A tick line made elsewhere in the module (the synthetic benchmark recording).
    func writeRawTick(_ line: String, time: Double) throws {
        try writeLine(line)
        lastTime = time
        ticks += 1
    }

    private func writeLine(_ text: String, finish: Bool = false) throws {
        var bytes = Array(text.utf8)
        bytes.append(0x0A)
        if let g = gzip { bytes = g.compress(bytes, finish: finish) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RecordingError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
            sent += n
        }
        bytesWritten += bytes.count
    }
}

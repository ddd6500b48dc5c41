import FleetCore
import Foundation

/// An opened recording: its bytes (decompressed when gzip), its header, and an index of its
/// lines built in one pass on open: where each tick (keyframe or tick line) and each event is,
/// at what time. Lines are parsed in full only when a replay reaches them.
public final class RecordingFile: @unchecked Sendable {
    public struct Frame: Sendable {
        public var time: Double
        public var line: Int            // 1-based
        public var isKeyframe: Bool
        /// A keyframe with the history rings: where a seek can start.
        public var isFullKeyframe: Bool
        /// Event lines just before this frame (they belong to its tick).
        public var events: Range<Int>   // indices into `eventLines`
    }

    public struct EventLine: Sendable {
        public var time: Double
        public var line: Int
        public var kind: String
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public let path: String
    public let header: RecordingHeader
    public private(set) var frames: [Frame] = []
    public private(set) var eventLines: [EventLine] = []
    /// Lines that could not be used, by number; playback skips them.
    public private(set) var problems: [Problem] = []
    /// Set when the file stops without its `end` line (kill -9, a full disk, still being written).
    public private(set) var cutShort: String?
    private let storage: RecordingBytes
    var bytes: UnsafeRawBufferPointer { storage.buffer }
    private var lineStarts: [Int] = []   // offset of line k+1 at index k; one extra at the end

    public var start: Double { frames.first?.time ?? 0 }
    public var end: Double { frames.last?.time ?? 0 }

    /// Plain files are memory-mapped (a day of a large fleet is gigabytes; only the lines a
    /// replay reaches are touched); gzip files are decompressed into memory.
    public convenience init(path: String) throws {
        try self.init(storage: try RecordingBytes(mapping: path), path: path)
    }

    public convenience init(bytes raw: [UInt8], path: String) throws {
        try self.init(storage: RecordingBytes(copying: raw), path: path)
    }

    init(storage raw: RecordingBytes, path: String) throws {
        self.path = path
        var gzipCut = false
        if Gzip.isGzip(Array(raw.buffer.prefix(2))) {
            let limit = Gzip.inflationLimit(compressed: raw.buffer.count)
            let (out, complete): ([UInt8], Bool)
            do {
                (out, complete) = try Gzip.decompress(Array(raw.buffer), limit: limit)
            } catch {
                throw RecordingError.io("\(path): inflates past \(limit >> 20) MiB, 200 times its compressed size (real recordings "
                                        + "compress 10 to 30 times): not read; gunzip it yourself if it is real")
            }
            storage = RecordingBytes(copying: out)
            gzipCut = !complete
        } else {
            storage = raw
        }
        let bytes = storage.buffer
        // Line starts, with memchr; a last line without its newline is incomplete.
        var starts: [Int] = [0]
        var incompleteTail = false
        if let base = bytes.baseAddress {
            let buf = bytes
            var offset = 0
            while offset < buf.count {
                guard let hit = memchr(base + offset, 0x0A, buf.count - offset) else {
                    incompleteTail = true
                    break
                }
                offset = UnsafeRawPointer(hit) - base + 1
                starts.append(offset)
            }
        }
        lineStarts = starts
        let completeLines = starts.count - 1
        guard completeLines >= 1, let header = try? RecordingJSON.decoder().decode(RecordingHeader.self, from: Data(UnsafeRawBufferPointer(rebasing: bytes[starts[0]..<(starts[1] - 1)]))) else {
            // A newer writer's header may not decode; say so when the format name is ours.
            if completeLines >= 1, let o = try? JSONSerialization.jsonObject(with: Data(UnsafeRawBufferPointer(rebasing: bytes[starts[0]..<(starts[1] - 1)]))) as? [String: Any],
               o["format"] as? String == RecordingFormat.name, let v = o["version"] as? Int, v > RecordingFormat.version {
                throw RecordingError.newerVersion(file: path, version: v)
            }
            throw RecordingError.notARecording(path)
        }
        guard header.format == RecordingFormat.name else { throw RecordingError.notARecording(path) }
        guard header.version <= RecordingFormat.version else { throw RecordingError.newerVersion(file: path, version: header.version) }
        self.header = header

        var sawEnd = false
        var pendingEventsStart = 0
        for k in 1..<completeLines {
            let a = starts[k], b = starts[k + 1] - 1   // without the newline
            let number = k + 1
            guard let (type, time) = Self.peek(bytes, a, b) else {
                problems.append(Problem(line: number, message: "not a recording line (skipped)"))
                continue
            }
            switch type {
            case "keyframe", "tick":
                if let last = frames.last, time <= last.time {
                    problems.append(Problem(line: number, message: "time \(time) does not follow \(last.time) (skipped)"))
                    continue
                }
                if type == "tick" && frames.isEmpty {
                    problems.append(Problem(line: number, message: "a tick before the first keyframe (skipped)"))
                    continue
                }
                let full = type == "keyframe" && Self.peekFull(bytes, a, b)
                if type == "keyframe" && !full && frames.isEmpty {
                    problems.append(Problem(line: number, message: "a light keyframe before the first full one (skipped)"))
                    continue
                }
                frames.append(Frame(time: time, line: number, isKeyframe: type == "keyframe", isFullKeyframe: full,
                                    events: pendingEventsStart..<eventLines.count))
                pendingEventsStart = eventLines.count
            case "event":
                eventLines.append(EventLine(time: time, line: number, kind: Self.peekKind(bytes, a, b) ?? "note"))
            case "end":
                sawEnd = true
            default:
                problems.append(Problem(line: number, message: "unknown line type '\(TerminalText.sanitized(type))' (skipped)"))
            }
        }
        if gzipCut {
            cutShort = "the compressed stream stops early (cut short?); replaying what it holds"
        } else if incompleteTail {
            cutShort = "the recording ends mid-line at line \(completeLines + 1) (cut short?); replaying up to line \(completeLines)"
        } else if !sawEnd {
            cutShort = "the recording has no end line (cut short, or still being written); replaying up to line \(completeLines)"
        }
    }

    /// The bytes of line `number` (1-based), without its newline.
    public func lineBytes(_ number: Int) -> Data { Data(line(number)) }

    func line(_ number: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[lineStarts[number - 1]..<(lineStarts[number] - 1)])
    }

    /// `{"type":"X","t":N` at the start of a line, as the writer puts it, read without a
    /// JSON parser so that opening a long recording stays fast.
    static func peek(_ b: UnsafeRawBufferPointer, _ a: Int, _ end: Int) -> (String, Double)? {
        let prefix = Array(#"{"type":""#.utf8)
        guard end - a > prefix.count + 6, b[a..<(a + prefix.count)].elementsEqual(prefix) else { return nil }
        var i = a + prefix.count
        let typeStart = i
        while i < end, b[i] != UInt8(ascii: "\"") { i += 1 }
        guard i < end, b[end - 1] == UInt8(ascii: "}") else { return nil }
        let type = String(decoding: b[typeStart..<i], as: UTF8.self)
        if type == "header" { return (type, 0) }
        let tKey = Array(#"","t":"#.utf8)
        guard i + tKey.count < end, b[i..<(i + tKey.count)].elementsEqual(tKey) else { return nil }
        i += tKey.count
        let numberStart = i
        while i < end, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "}") { i += 1 }
        guard let t = Double(String(decoding: b[numberStart..<i], as: UTF8.self)), t.isFinite else { return nil }
        return (type, t)
    }

    /// `"full":false` right after the time marks a light keyframe; anything else is full.
    static func peekFull(_ b: UnsafeRawBufferPointer, _ a: Int, _ end: Int) -> Bool {
        let key = Array(#","full":false"#.utf8)
        let limit = min(end, a + 60)
        var i = a
        while i + key.count <= limit {
            if b[i..<(i + key.count)].elementsEqual(key) { return false }
            i += 1
        }
        return true
    }

    static func peekKind(_ b: UnsafeRawBufferPointer, _ a: Int, _ end: Int) -> String? {
        let key = Array(#","kind":""#.utf8)
        let limit = min(end, a + 120)
        var i = a
        while i + key.count < limit {
            if b[i..<(i + key.count)].elementsEqual(key) {
                var j = i + key.count
                let s = j
                while j < limit, b[j] != UInt8(ascii: "\"") { j += 1 }
                return String(decoding: b[s..<j], as: UTF8.self)
            }
            i += 1
        }
        return nil
    }

    /// The frame at or before `time` (the first one before the start).
    public func frameIndex(atOrBefore time: Double) -> Int {
        var lo = 0, hi = frames.count - 1
        guard hi >= 0 else { return 0 }
        if time < frames[0].time { return 0 }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if frames[mid].time <= time { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The nearest full keyframe at or before frame `i`: where a seek to `i` starts.
    func keyframe(atOrBefore i: Int) -> Int {
        var k = i
        while k > 0 && !frames[k].isFullKeyframe { k -= 1 }
        return k
    }

    /// Timeline marks: incidents, actions, SLO breaches and alerts that fired.
    public var marks: [ReplayStatus.Mark] {
        eventLines.compactMap { e in
            switch e.kind {
            case FleetEvent.Kind.incident.rawValue: return .init(time: e.time, kind: .incident)
            case FleetEvent.Kind.action.rawValue: return .init(time: e.time, kind: .action)
            case FleetEvent.Kind.sloBreach.rawValue: return .init(time: e.time, kind: .sloBreach)
            case FleetEvent.Kind.alert.rawValue: return .init(time: e.time, kind: .alert)
            default: return nil
            }
        }
    }
}

/// A recording's bytes: a read-only mapping of the file, or memory of our own.
final class RecordingBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
    private let mapped: Bool

    init(mapping path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RecordingError.io("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RecordingError.io("cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        if size == 0 {
            buffer = UnsafeRawBufferPointer(start: nil, count: 0)
            mapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw RecordingError.io("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        madvise(p, size, MADV_SEQUENTIAL)
        buffer = UnsafeRawBufferPointer(start: p, count: size)
        mapped = true
    }

    init(copying bytes: [UInt8]) {
        let m = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { m.copyMemory(from: $0) }
        buffer = UnsafeRawBufferPointer(start: m.baseAddress, count: bytes.count)
        mapped = false
    }

    deinit {
        guard let base = buffer.baseAddress else { return }
        if mapped { munmap(UnsafeMutableRawPointer(mutating: base), buffer.count) } else { base.deallocate() }
    }
}

import FleetCore
import Foundation
import Synchronization

/// Plays a recording into a `SnapshotStore` like a live source, with a transport: pause,
/// step, seek, jump to events, speed 0.25x to 64x. Keys arrive through `send` from the
/// console thread; the cursor is touched only by `run()`'s task.
public final class ReplayDriver: FleetSource, ReplayControl, @unchecked Sendable {
    public static let speeds: ClosedRange<Double> = 0.25...64

    private let cursor: ReplayCursor
    private let store: SnapshotStore
    private let clock: any FleetClock
    private let commands = Mutex<[ReplayCommand]>([])
    private let stopped = Atomic<Bool>(false)
    private var paused: Bool
    private var speed: Double
    private let marks: [ReplayStatus.Mark]
    /// Lines of damaged keyframes played past, for the transport's notice.
    private var skippedKeyframes: [Int] = []
    /// Whether the last move went back in time: a damaged stretch is then left backward.
    private var movedBackward = false
    private var toldUnreadable = false

    public init(file: RecordingFile, store: SnapshotStore, speed: Double = 1, startPaused: Bool = false,
                clock: any FleetClock = WallClock()) {
        cursor = ReplayCursor(file: file)
        self.store = store
        self.clock = clock
        self.speed = min(Self.speeds.upperBound, max(Self.speeds.lowerBound, speed))
        paused = startPaused
        marks = file.marks
        cursor.seek(toFrame: 0)
    }

    public func send(_ command: ReplayCommand) { commands.withLock { $0.append(command) } }
    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// The snapshot at the current frame with the transport's state, published.
    public func publish() {
        var s: FleetSnapshot
        do {
            s = try cursor.snapshot()
        } catch {
            // A keyframe that does not decode: go on to the nearest one that does, the way the
            // operator was moving, and say so.
            // (Playing always goes forward: going back would meet the damage again.)
            let readable = movedBackward && paused ? cursor.readableSnapshot(atOrBefore: cursor.frame) ?? cursor.readableSnapshot(atOrAfter: cursor.frame)
                                         : cursor.readableSnapshot(atOrAfter: cursor.frame) ?? cursor.readableSnapshot(atOrBefore: cursor.frame)
            guard let readable else {
                if !toldUnreadable { store.note(.warning, "replay: \(error); no keyframe of the recording reads", kind: .note) }
                toldUnreadable = true
                return
            }
            s = readable.snapshot
            for case .damaged(_, let line, _) in readable.skipped where !skippedKeyframes.contains(line) {
                skippedKeyframes.append(line)
            }
        }
        let file = cursor.file
        var notes: [String] = []
        if let cut = file.cutShort { notes.append(cut) }
        if !skippedKeyframes.isEmpty {
            let lines = skippedKeyframes.prefix(3).map { "\($0)" }.joined(separator: ", ")
            notes.append("damaged keyframe\(skippedKeyframes.count == 1 ? "" : "s") skipped (line \(lines)\(skippedKeyframes.count > 3 ? ", ..." : ""))")
        }
        let problems = file.problems + cursor.problems
        if !problems.isEmpty {
            let lines = problems.prefix(3).map { "\($0.line)" }.joined(separator: ", ")
            notes.append("\(problems.count) bad line\(problems.count == 1 ? "" : "s") skipped (line \(lines)\(problems.count > 3 ? ", ..." : ""))")
        }
        s.replay = ReplayStatus(position: s.time, start: file.start, end: file.end, paused: paused, speed: speed,
                                marks: marks, notice: notes.isEmpty ? nil : notes.joined(separator: "; "))
        s.source.kind = .replay
        s.source.speed = speed
        store.publish(s)
    }

    /// Plays until `stop()`. At the end of the recording it pauses on the last tick.
    public func run() async {
        publish()
        var last = clock.now
        var lastPublish = -Double.infinity
        var unpublished = false
        var playhead = cursor.file.frames.isEmpty ? 0 : cursor.file.frames[max(0, cursor.frame)].time
        while !stopped.load(ordering: .relaxed) {
            let now = clock.now
            let pending = commands.withLock { c -> [ReplayCommand] in defer { c.removeAll() }; return c }
            var changed = !pending.isEmpty
            for c in pending { playhead = handle(c, playhead: playhead) }
            if !paused {
                playhead += (now - last) * speed
                let target = cursor.file.frameIndex(atOrBefore: playhead)
                if target > cursor.frame {
                    cursor.seek(toFrame: target)
                    changed = true
                }
                if cursor.frame >= cursor.file.frames.count - 1 {
                    paused = true
                    changed = true
                }
            }
            last = now
            // While playing, five pictures a second are plenty (the console redraws no faster);
            // a key press shows its effect at once.
            unpublished = unpublished || changed
            if unpublished && (!pending.isEmpty || paused || now - lastPublish >= 0.2) {
                publish()
                lastPublish = now
                unpublished = false
                // Past a damaged stretch the cursor is ahead of the playhead: play on from it.
                if let frame = cursor.file.frames.indices.contains(cursor.frame) ? cursor.file.frames[cursor.frame] : nil {
                    playhead = max(playhead, frame.time)
                }
            }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// Applies one transport command; returns the new playhead time.
    func handle(_ command: ReplayCommand, playhead: Double) -> Double {
        let frames = cursor.file.frames
        guard !frames.isEmpty else { return playhead }
        let here = frames[max(0, cursor.frame)].time
        let before = cursor.frame
        defer { movedBackward = cursor.frame < before }
        switch command {
        case .togglePause:
            if paused && cursor.frame >= frames.count - 1 { cursor.seek(toFrame: 0) }   // play again from the start
            paused.toggle()
            return frames[cursor.frame].time
        case .step(let n):
            paused = true
            cursor.seek(toFrame: cursor.frame + n)
        case .seekBy(let seconds):
            cursor.seek(toTime: max(frames[0].time, here + seconds))
        case .seekTo(let time):
            cursor.seek(toTime: max(frames[0].time, time))
        case .jumpToEvent(let forward):
            let times = marks.map(\.time)
            let target = forward ? times.filter { $0 > here + 1e-9 }.min() : times.filter { $0 < here - 1e-9 }.max()
            if let t = target {
                // The tick that shows the event: the first at or after it.
                let i = cursor.file.frameIndex(atOrBefore: t)
                cursor.seek(toFrame: frames[i].time < t ? i + 1 : i)
            }
        case .faster: speed = min(Self.speeds.upperBound, speed * 2)
        case .slower: speed = max(Self.speeds.lowerBound, speed / 2)
        }
        return frames[max(0, cursor.frame)].time
    }
}

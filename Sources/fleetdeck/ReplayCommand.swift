import ArgumentParser
import Console
import FleetCore
import Foundation
import Recording

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recording in the console like a video, or print from it for scripts.",
        discussion: """
            Keys: space pause/play, ← → one tick, [ ] one minute, { } previous/next event (incident, \
            action, SLO breach), < > half/double speed (0.25x to 64x), g then HH:MM[:SS] (time of day) or \
            +M[:SS] (from the start) to go there; the other keys as in the live console. A timeline across \
            the bottom marks the events. Actions are disabled in a replay.

            --at T --format text|json prints the screen or the snapshot at T (seconds from the start, or \
            HH:MM[:SS] of day); --summary lists the incidents, actions and SLO breaches with their times.
            """)

    @Argument(help: "The recording (plain or .gz).")
    var file: String

    @Option(name: .long, help: "Print the state at this time and exit: seconds from the start, or HH:MM[:SS] of day.")
    var at: String?

    @Option(name: .long, help: "With --at: text (the rendered screen) or json (the snapshot).")
    var format: SnapshotPrinter.Format = .text

    @Flag(name: .long, help: "List the incidents, actions and SLO breaches with their times, and exit.")
    var summary = false

    @Option(name: .long, help: "Playback speed, 0.25 to 64.")
    var speed: Double = 1

    @Flag(name: .long, help: "Open paused on the first tick.")
    var paused = false

    @Option(name: .long, help: "Screen for --format text (default: overview).")
    var screen: ScreenID?
    @Option(name: .long, help: "Columns for --format text.") var width: Int = 120
    @Option(name: .long, help: "Rows for --format text.") var height: Int = 40

    @OptionGroup var display: DisplayOptions

    func validate() throws {
        guard ReplayDriver.speeds.contains(speed) else { throw ValidationError("--speed must be 0.25 to 64") }
        guard (80...1000).contains(width), (24...1000).contains(height) else { throw ValidationError("--width must be 80...1000 and --height 24...1000") }
    }

    func run() throws {
        let recording: RecordingFile
        do { recording = try RecordingFile(path: file) } catch { throw UserError("\(error)") }
        guard !recording.frames.isEmpty else { throw UserError("\(TerminalText.sanitized(file)): the recording has no tick yet") }
        for p in recording.problems.prefix(20) {
            FileHandle.standardError.write(Data("fleetdeck: \(TerminalText.sanitized(file)): \(p)\n".utf8))
        }
        if let cut = recording.cutShort {
            FileHandle.standardError.write(Data("fleetdeck: \(TerminalText.sanitized(file)): \(cut)\n".utf8))
        }
        if summary { return try printSummary(recording) }
        if let at { return try printAt(recording, at) }

        let session = try ConsoleSession(display: display, config: try UserConfig.load(explicit: display.config),
                                         view: "replay:" + URL(fileURLWithPath: file).standardizedFileURL.path)
        defer { session.close() }
        let driver = ReplayDriver(file: recording, store: session.store, speed: speed, startPaused: paused)
        try session.run(source: driver, replay: driver)
    }

    /// Seconds from the start, or a time of day.
    func time(_ text: String, in recording: RecordingFile, startTimeOfDay: Double) throws -> Double {
        if let s = Double(text) { return recording.start + s }
        if let t = KeyHandler.gotoTime(text, startTimeOfDay: startTimeOfDay, start: recording.start) { return t }
        throw UserError("--at wants seconds from the start or HH:MM[:SS] of day (got '\(TerminalText.sanitized(text))')")
    }

    /// The first snapshot that reads at or after `frame`; damaged keyframes passed over are
    /// named on standard error.
    func readable(_ cursor: ReplayCursor, atOrAfter frame: Int) throws -> (snapshot: FleetSnapshot, frame: Int) {
        guard let found = cursor.readableSnapshot(atOrAfter: frame) else {
            throw UserError("\(TerminalText.sanitized(file)): no readable keyframe at or after tick \(frame + 1)")
        }
        for e in found.skipped {
            FileHandle.standardError.write(Data("fleetdeck: \(e); going on to the next good keyframe\n".utf8))
        }
        return (found.snapshot, found.frame)
    }

    func printAt(_ recording: RecordingFile, _ text: String) throws {
        let cursor = ReplayCursor(file: recording)
        let first = try readable(cursor, atOrAfter: 0).snapshot
        let t = try time(text, in: recording, startTimeOfDay: first.timeOfDay - first.time)
        let (snapshot, _) = try readable(cursor, atOrAfter: recording.frameIndex(atOrBefore: t))
        switch format {
        case .json: try SnapshotPrinter.printJSON(snapshot)
        case .text: SnapshotPrinter.printScreen(snapshot, screen: screen ?? .overview, width: width, height: height, ascii: display.ascii)
        }
    }

    func printSummary(_ recording: RecordingFile) throws {
        let cursor = ReplayCursor(file: recording)
        let first = try readable(cursor, atOrAfter: 0).snapshot
        let startOfDay = first.timeOfDay - first.time
        let h = recording.header
        print("\(TerminalText.sanitized(file)): \(h.source.kind.rawValue) \(TerminalText.sanitized(h.source.name)), "
              + "\(Format.clock(startOfDay + recording.start)) to \(Format.clock(startOfDay + recording.end)) "
              + "(\(Format.duration(recording.end - recording.start))), \(recording.frames.count) ticks, \(h.nodes) nodes")
        // The events themselves, read from their lines.
        struct Line: Decodable { var event: FleetEvent }
        let decoder = JSONDecoder()
        var shown = 0
        for e in recording.eventLines where ["incident", "action", "sloBreach", "sloRecovered", "alert", "alertResolved"].contains(e.kind) {
            guard let line = try? decoder.decode(Line.self, from: Data(recording.lineBytes(e.line))) else { continue }
            let ev = line.event
            let label = switch ev.kind {
            case .incident: "incident"
            case .action: "action"
            case .sloBreach: "SLO breach"
            case .sloRecovered: "SLO met"
            case .alert: "alert"
            case .alertResolved: "resolved"
            default: ev.kind.rawValue
            }
            print("  \(Format.clock(startOfDay + ev.time))  +\(Format.duration(ev.time - recording.start).padding(toLength: 7, withPad: " ", startingAt: 0)) "
                  + "\(label.padding(toLength: 10, withPad: " ", startingAt: 0)) \(TerminalText.sanitized(ev.message))")
            shown += 1
        }
        if shown == 0 { print("  no incidents, actions, SLO breaches or alerts") }
    }
}

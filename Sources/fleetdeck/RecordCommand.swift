import ArgumentParser
import FleetCore
import Foundation
import Recording
import Scheduler

/// `--record FILE` on `demo` and `watch`.
struct RecordOptions: ParsableArguments {
    @Option(name: .long, help: "Record every tick to FILE (.gz to compress); replay it with 'fleetdeck replay FILE'.")
    var record: String?

    @Option(name: .long, help: "Seconds between keyframes in the recording (seek points).")
    var keyframeInterval: Double = 300

    func validate() throws {
        guard (5...3600).contains(keyframeInterval) else { throw ValidationError("--keyframe-interval must be 5 to 3600 seconds") }
    }

    func makeSink() throws -> RecordingSink? {
        guard let path = record else { return nil }
        do { return try RecordingSink(path: path, keyframeInterval: keyframeInterval) } catch { throw UserError("\(error)") }
    }

    /// A store that also records, when asked to.
    func makeStore() throws -> (SnapshotStore, RecordingSink?) {
        let sink = try makeSink()
        guard let sink else { return (SnapshotStore(), nil) }
        return (SnapshotStore(onPublish: { sink.record($0) }), sink)
    }

    static func finish(_ sink: RecordingSink?) {
        guard let sink else { return }
        sink.close()
        if let e = sink.error {
            FileHandle.standardError.write(Data("fleetdeck: recording stopped early: \(e)\n".utf8))
        } else {
            FileHandle.standardError.write(Data("fleetdeck: recorded \(sink.ticks) ticks to \(TerminalText.sanitized(sink.path))\n".utf8))
        }
    }
}

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a simulated fleet headless (as fast as it simulates) into a recording file.",
        discussion: """
            The file is fleetdeck's recording format (Docs/recording-format.md): a header, a keyframe \
            every --keyframe-interval seconds, and one line per tick. A name ending in .gz is \
            compressed. To record real servers, run 'fleetdeck watch --record FILE'.
            """)

    @Option(name: .long, help: "The recording to write (.gz to compress).")
    var out: String

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "Simulated seconds to record.")
    var duration: Double = 600

    @Option(name: .long, help: "Simulated seconds run before recording starts.")
    var warmup: Double = 0

    @Option(name: .long, help: "Seconds between keyframes.")
    var keyframeInterval: Double = 300

    func validate() throws {
        guard duration > 0, duration <= 7 * 86_400 else { throw ValidationError("--duration must be 1 second to 7 days") }
        guard (0...86_400).contains(warmup) else { throw ValidationError("--warmup must be 0 to 86400 seconds") }
        guard (5...3600).contains(keyframeInterval) else { throw ValidationError("--keyframe-interval must be 5 to 3600 seconds") }
    }

    func run() throws {
        let sc = try scenario.loadScenario()
        let sim = FleetSimulator(scenario: sc, seed: scenario.seed)
        let writer: RecordingWriter
        do { writer = try RecordingWriter(path: out, keyframeInterval: keyframeInterval) } catch { throw UserError("\(error)") }
        if warmup > 0 { sim.advance(to: warmup) }
        let end = sim.now + duration
        do {
            try writer.record(sim.snapshot())
            while sim.now < end {
                let before = sim.sampleCount
                sim.advance(to: min(end, sim.now + sim.sampleInterval))
                if sim.sampleCount != before { try writer.record(sim.snapshot()) }
            }
            try writer.close()
        } catch {
            throw UserError("\(error)")
        }
        print("recorded \(writer.ticks) ticks of '\(sc.name)' (\(Format.duration(duration))) to \(out): \(writer.bytesWritten) bytes")
    }
}

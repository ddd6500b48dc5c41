import ArgumentParser
import FleetCore
import Foundation
import LocalNode
import Recording

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

    /// What the store adds to each snapshot before anyone sees it: the local node, then the
    /// alerts (which judge the local node's pool too).
    static func transform(local: LocalNodeRuntime?, alerts: AlertEngine?) -> (@Sendable (FleetSnapshot) -> FleetSnapshot)? {
        switch (local, alerts) {
        case (nil, nil): return nil
        case let (l?, nil): return { l.overlay.apply(to: $0) }
        case let (nil, a?): return { a.apply(to: $0) }
        case let (l?, a?): return { a.apply(to: l.overlay.apply(to: $0)) }
        }
    }

    /// Says on stderr how a closed recording ended.
    static func report(_ sink: RecordingSink?) {
        guard let sink else { return }
        if let e = sink.error {
            FileHandle.standardError.write(Data("fleetdeck: recording stopped early: \(e)\n".utf8))
        } else {
            FileHandle.standardError.write(Data("fleetdeck: recorded \(sink.ticks) ticks to \(TerminalText.sanitized(sink.path))\n".utf8))
        }
    }
}

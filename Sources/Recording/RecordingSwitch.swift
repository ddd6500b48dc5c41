import FleetCore
import Synchronization

/// The store's recorder, switchable while the console runs: `--record FILE` starts it at once,
/// `:record FILE` later, `:record stop` closes the file. The store calls `record` on every
/// publish; with no file open that is one lock and nothing more.
public final class RecordingSwitch: Sendable {
    private let sink = Mutex<RecordingSink?>(nil)

    public init() {}

    public func record(_ snapshot: FleetSnapshot) {
        sink.withLock { $0 }?.record(snapshot)
    }

    /// Records into `recording` from the next snapshot on; false when one is open already.
    @discardableResult
    public func start(_ recording: RecordingSink) -> Bool {
        sink.withLock { s in
            guard s == nil else { return false }
            s = recording
            return true
        }
    }

    /// Closes the open file (with the events that came after its last tick) and hands it back.
    public func stop(finalEvents: [FleetEvent]? = nil) -> RecordingSink? {
        guard let open = sink.withLock({ s -> RecordingSink? in defer { s = nil }; return s }) else { return nil }
        open.close(finalEvents: finalEvents)
        return open
    }

    /// The file being written, if any (nil again once a write failed: recording stopped).
    public var current: RecordingSink? { sink.withLock { $0 }.flatMap { $0.error == nil ? $0 : nil } }
}

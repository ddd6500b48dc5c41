/// Where a replay stands, carried by the snapshots a replay publishes so the console can
/// draw its transport bar and timeline. Live sources leave it nil.
public struct ReplayStatus: Codable, Sendable, Equatable {
    public struct Mark: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case incident, action, sloBreach, alert }
        public var time: Double
        public var kind: Kind
        public init(time: Double, kind: Kind) { self.time = time; self.kind = kind }
    }

    /// Seconds since the recording's start, of the tick shown.
    public var position: Double
    public var start: Double
    public var end: Double
    public var paused: Bool
    public var speed: Double
    public var marks: [Mark]
    /// Something the operator should know about the file ("cut short at line 4,312", ...).
    public var notice: String?

    public init(position: Double, start: Double, end: Double, paused: Bool, speed: Double, marks: [Mark], notice: String?) {
        self.position = position; self.start = start; self.end = end
        self.paused = paused; self.speed = speed; self.marks = marks; self.notice = notice
    }
}

/// What the transport keys ask of a replay.
public enum ReplayCommand: Sendable, Equatable {
    case togglePause
    case step(Int)
    case seekBy(Double)
    case seekTo(Double)
    case jumpToEvent(forward: Bool)
    case faster, slower
}

/// Implemented by the replay driver; the console sends it the transport keys.
public protocol ReplayControl: Sendable {
    func send(_ command: ReplayCommand)
}

import FleetCore
import Foundation

/// fleetdeck's recording format (Docs/recording-format.md): one JSON object per line.
///
///     {"type":"header","format":"fleetdeck-recording","version":1,...}
///     {"type":"keyframe","t":0,"snapshot":{...the whole FleetSnapshot, history rings packed...}}
///     {"type":"event","t":12.0,"event":{...}}
///     {"type":"tick","t":1,"d":[leaf,value,...],"a":[[series,value,...],...]}
///     ... a keyframe every `keyframe_interval` seconds, or when the fleet's shape changes ...
///     {"type":"end","t":3600,"ticks":3601}
public enum RecordingFormat {
    public static let name = "fleetdeck-recording"
    public static let version = 1
}

public struct RecordingHeader: Codable, Sendable, Equatable {
    public var type = "header"
    public var format = RecordingFormat.name
    public var version = RecordingFormat.version
    /// Unix time when recording began.
    public var started: Double
    public var source: SourceInfo
    /// What the fleet was: its pools and node count at the start.
    public var pools: [String]
    public var nodes: Int
    public var keyframeInterval: Double
    /// The program that wrote it.
    public var writer: String

    enum CodingKeys: String, CodingKey {
        case type, format, version, started, source, pools, nodes, writer
        case keyframeInterval = "keyframe_interval"
    }

    public init(started: Double, source: SourceInfo, pools: [String], nodes: Int, keyframeInterval: Double, writer: String = "fleetdeck 0.1.0") {
        self.started = started; self.source = source; self.pools = pools; self.nodes = nodes
        self.keyframeInterval = keyframeInterval; self.writer = writer
    }
}

public enum RecordingError: Error, CustomStringConvertible, Equatable {
    case io(String)
    case notARecording(String)
    case newerVersion(file: String, version: Int)
    case empty(String)
    case damaged(String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .io(let m): return TerminalText.sanitized(m)
        case .notARecording(let f): return "\(TerminalText.sanitized(f)): not a fleetdeck recording (line 1 is not a fleetdeck-recording header)"
        case .newerVersion(let f, let v):
            return "\(TerminalText.sanitized(f)): recording format version \(v) is newer than this fleetdeck reads (\(RecordingFormat.version)); upgrade fleetdeck"
        case .empty(let f): return "\(TerminalText.sanitized(f)): the recording has no snapshot yet"
        case let .damaged(f, line, reason): return "\(TerminalText.sanitized(f)):\(line): a damaged keyframe: \(reason)"
        }
    }
}

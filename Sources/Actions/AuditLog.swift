import FleetCore
import Foundation

/// One confirmed action as the audit log keeps it.
public struct AuditRecord: Codable, Sendable, Equatable {
    public var time: Double          // Unix time the action started
    public var user: String
    public var host: String
    public var action: OperatorAction.Verb
    public var target: String
    public var parameters: [String: String]
    public var actuator: String
    /// The command or request as sent (argv joined, or "POST url"), or what the simulator did.
    public var request: String
    public var result: AuditOutcome
    public var detail: String
    public var duration: Double

    public init(time: Double, user: String, host: String, action: OperatorAction.Verb, target: String, parameters: [String: String],
                actuator: String, request: String, result: AuditOutcome, detail: String, duration: Double) {
        self.time = time; self.user = user; self.host = host; self.action = action; self.target = target
        self.parameters = parameters; self.actuator = actuator; self.request = request; self.result = result
        self.detail = detail; self.duration = duration
    }
}

extension AuditRecord {
    /// `key=value` pairs in key order, as the audit screen and `fleetdeck audit` show them.
    public var parametersText: String {
        parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ")
    }
}

/// Append-only JSON lines, each written with one `write(2)` to a file opened `O_APPEND` and
/// `fsync`ed before the action is reported done: after `kill -9` the log holds every action
/// the console showed as finished. Every record begins on a line of its own: a fragment left
/// by a write cut short (a full disk, `kill -9`) is closed with a newline, at open or before
/// the next record, so it costs one unreadable line and never the record after it.
public final class AuditLog: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    /// The last write may have stopped inside a line.
    private var midLine = false
    /// Whether opening the log found a cut-short last line and closed it.
    public let repairedFragment: Bool

    /// `$XDG_STATE_HOME/fleetdeck/audit.jsonl`, else `~/.local/state/fleetdeck/audit.jsonl`.
    public static var defaultPath: String { StateDirectory.path + "/audit.jsonl" }

    public init(path: String) throws {
        self.path = path
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ActionError("cannot open the audit log \(path): \(String(cString: strerror(errno)))") }
        repairedFragment = Self.endsMidLine(path)
        midLine = repairedFragment
        if repairedFragment { try? lock.withLock { try closeLine() } }
    }

    /// Whether the file's last byte is not a newline (a record cut short).
    static func endsMidLine(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var last: UInt8 = 0x0A
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0, pread(fd, &last, 1, size - 1) == 1 else { return false }
        return last != 0x0A
    }

    /// Ends a cut-short line, so the next record starts a line of its own.
    private func closeLine() throws {
        var newline: UInt8 = 0x0A
        guard write(fd, &newline, 1) == 1, fsync(fd) == 0 else {
            throw ActionError("cannot write the audit log \(path): \(String(cString: strerror(errno)))")
        }
        midLine = false
    }

    deinit { close(fd) }

    public func append(_ record: AuditRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)
        line.append(0x0A)
        try lock.withLock {
            if midLine { try closeLine() }
            let n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 && n < line.count { midLine = true }
            guard n == line.count else { throw ActionError("cannot write the audit log \(path): \(String(cString: strerror(errno)))") }
            guard fsync(fd) == 0 else { throw ActionError("cannot sync the audit log \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Every complete record of a log, and the numbers of lines that are not (a line cut by
    /// `kill -9` mid-write, say).
    public static func read(_ path: String) throws -> (records: [AuditRecord], bad: [Int]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ActionError("cannot read \(path)") }
        var records: [AuditRecord] = []
        var bad: [Int] = []
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where !line.isEmpty {
            if let r = try? JSONDecoder().decode(AuditRecord.self, from: Data(line)) { records.append(r) } else { bad.append(i + 1) }
        }
        return (records, bad)
    }
}

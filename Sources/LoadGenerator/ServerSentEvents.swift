/// Reads a `text/event-stream` body as it arrives, in chunks cut anywhere, and hands back each
/// event's `data:` payload (the lines of one event joined by newlines). Only what a streamed
/// completion uses: `data` fields; comments, `event:`, `id:` and `retry:` are skipped. A line
/// longer than `maxLineBytes` is cut there (a server that never sends a newline cannot grow
/// the client's memory).
public struct ServerSentEvents: Sendable {
    public let maxLineBytes: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var skipCR = false
    public private(set) var truncatedLines = 0

    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// The events completed by this chunk.
    public mutating func feed<C: Collection>(_ bytes: C) -> [[UInt8]] where C.Element == UInt8 {
        var events: [[UInt8]] = []
        for b in bytes {
            if skipCR { skipCR = false; if b == 0x0A { continue } }
            if b == 0x0A || b == 0x0D {
                skipCR = b == 0x0D
                if let event = endLine() { events.append(event) }
            } else if line.count < maxLineBytes {
                line.append(b)
            } else if line.count == maxLineBytes {
                truncatedLines += 1
                line.append(b)   // one past the cap marks the line as cut; nothing more is kept
            }
        }
        return events
    }

    /// The event still open when the body ends without its blank line.
    public mutating func finish() -> [UInt8]? {
        if !line.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func endLine() -> [UInt8]? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        if line.count > maxLineBytes { line.removeLast() }
        guard line.starts(with: Self.dataField) else { return nil }
        var value = line.dropFirst(Self.dataField.count)
        if value.first == 0x20 { value = value.dropFirst() }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: value)
        hasData = true
        return nil
    }

    private mutating func dispatch() -> [UInt8]? {
        guard hasData else { return nil }
        defer { data.removeAll(keepingCapacity: true); hasData = false }
        return data
    }

    private static let dataField = Array("data:".utf8)
}

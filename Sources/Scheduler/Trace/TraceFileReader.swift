import FleetCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a trace file a line at a time, never whole: a production trace (Azure 2024's week,
/// 27 million rows) streams through in constant memory. Lines longer than `maxLineBytes` are
/// refused, not buffered. With `requireSorted`, a request that arrives before the one above
/// it is an error: a stream cannot be sorted.
public final class TraceFileReader {
    public static let maxLineBytes = 1 << 20

    public let file: String
    public private(set) var format: TraceFormat?
    let requireSorted: Bool
    private var handle: UnsafeMutablePointer<FILE>?
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    private var lineNumber = 0
    private var decoder: TraceLineDecoder?
    private let named: TraceFormat?
    private var lastArrival = -Double.infinity
    private var lastLine = 0

    public init(file: String, format: TraceFormat? = nil, requireSorted: Bool) throws {
        guard let h = fopen(file, "r") else {
            throw ConfigFileError(file: file, line: nil, field: nil, message: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        self.file = file
        handle = h
        named = format
        self.format = format
        self.requireSorted = requireSorted
    }

    deinit {
        if let handle { fclose(handle) }
        free(buffer)
    }

    /// The next request, or nil at the end.
    public func next() throws -> TraceRequest? {
        guard let handle else { return nil }
        while true {
            let n = getline(&buffer, &capacity, handle)
            guard n >= 0, let buffer else {
                fclose(handle)
                self.handle = nil
                return nil
            }
            lineNumber += 1
            guard n <= Self.maxLineBytes else {
                throw ConfigFileError(file: file, line: lineNumber, field: nil, message: "a line of \(n) bytes: no trace line is longer than \(Self.maxLineBytes)")
            }
            let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
            // The line without its ending, "\n" or Windows' "\r\n" (Azure's CSVs have those).
            var length = n
            while length > 0, bytes[length - 1] == 0x0A || bytes[length - 1] == 0x0D { length -= 1 }
            let text = String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
            if TraceLineDecoder.isBlank(text) { continue }
            if decoder == nil {
                decoder = try TraceLineDecoder(firstLine: text, format: named, file: file, line: lineNumber)
                format = decoder!.format
            }
            guard let r = try decoder!.decode(text, number: lineNumber) else { continue }
            if requireSorted && r.arrival < lastArrival {
                throw ConfigFileError(file: file, line: lineNumber, field: nil, message: String(format:
                    "arrives at %.3f s, before line %d's %.3f s: a streamed trace must be in arrival order (sort it first)",
                    r.arrival, lastLine, lastArrival))
            }
            lastArrival = r.arrival
            lastLine = lineNumber
            return r
        }
    }
}

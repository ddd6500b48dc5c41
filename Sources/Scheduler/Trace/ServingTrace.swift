import FleetCore
import Foundation

/// One request of a recorded serving trace: when it arrived and how long it was, and, when the
/// trace was measured, when its first token came and when it finished.
public struct TraceRequest: Sendable, Equatable {
    public var line: Int
    public var id: String
    public var arrival: Double
    public var promptTokens: Int
    public var outputTokens: Int
    public var measuredFirstToken: Double?
    public var measuredFinish: Double?
    /// The prompt's content by block, as hashes that cover everything before them too (so equal
    /// hashes at the same position mean an equal prefix): Mooncake's `hash_ids`. What the
    /// engine's prefix cache shares between requests; empty when the trace does not say.
    public var blockHashes: [Int]
    /// Tokens per hashed block (Mooncake's: 512).
    public var hashBlockTokens: Int

    public init(line: Int, id: String, arrival: Double, promptTokens: Int, outputTokens: Int,
                measuredFirstToken: Double? = nil, measuredFinish: Double? = nil,
                blockHashes: [Int] = [], hashBlockTokens: Int = 0) {
        self.line = line; self.id = id; self.arrival = arrival; self.promptTokens = promptTokens
        self.outputTokens = outputTokens; self.measuredFirstToken = measuredFirstToken; self.measuredFinish = measuredFinish
        self.blockHashes = blockHashes; self.hashBlockTokens = hashBlockTokens
    }

    public var measuredTTFT: Double? { measuredFirstToken.map { $0 - arrival } }
    public var measuredE2E: Double? { measuredFinish.map { $0 - arrival } }

    /// Tokens of the prompt that whole hashed blocks cover: what another request with the same
    /// hashes could find cached.
    public var hashedPrefixTokens: Int { min(promptTokens, blockHashes.count * hashBlockTokens) }
}

/// Reads a whole trace into memory, in any of the formats `TraceFormat` knows, sorted by
/// arrival. For the single-node replay and the calibration, whose traces are small; the fleet
/// replay streams (`TraceFileReader`).
public enum ServingTraceReader {
    /// More requests than this are refused here: a whole-file load of a production trace
    /// (Azure 2024's 27 million rows) would take gigabytes. The fleet replay streams them.
    public static let maxRequestsInMemory = 2_000_000

    public static func load(file: String, format: TraceFormat? = nil) throws -> [TraceRequest] {
        let reader = try TraceFileReader(file: file, format: format, requireSorted: false)
        var out: [TraceRequest] = []
        while let r = try reader.next() {
            guard out.count < maxRequestsInMemory else {
                throw ConfigFileError(file: file, line: r.line, field: nil,
                                      message: "more than \(maxRequestsInMemory) requests: replay it over a pool (simulate --trace FILE --pool SPEC), which streams the file")
            }
            out.append(r)
        }
        guard !out.isEmpty else {
            throw ConfigFileError(file: file, line: nil, field: nil, message: "the trace has no requests")
        }
        return out.sorted { ($0.arrival, $0.line) < ($1.arrival, $1.line) }
    }

    /// A trace already in memory (the fuzzer's bytes, a test's text).
    public static func parse(_ data: Data, file: String, format: TraceFormat? = nil) throws -> [TraceRequest] {
        var decoder: TraceLineDecoder?
        var out: [TraceRequest] = []
        var lineNumber = 0
        for lineData in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var end = lineData.endIndex
            while end > lineData.startIndex, lineData[end - 1] == 0x0D { end -= 1 }
            let line = String(decoding: lineData[..<end], as: UTF8.self)
            if TraceLineDecoder.isBlank(line) { continue }
            if decoder == nil { decoder = try TraceLineDecoder(firstLine: line, format: format, file: file, line: lineNumber) }
            if let r = try decoder!.decode(line, number: lineNumber) { out.append(r) }
        }
        guard !out.isEmpty else {
            throw ConfigFileError(file: file, line: nil, field: nil, message: "the trace has no requests")
        }
        return out
    }
}

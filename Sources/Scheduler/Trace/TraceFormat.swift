import FleetCore
import Foundation

/// The trace formats `simulate --trace` reads: its own, and the public production traces'
/// (shared/traces/README.md). Named with `--format`, or told apart by the first line.
public enum TraceFormat: String, Sendable, CaseIterable {
    /// JSON lines: `arrival_s`, `prompt_tokens`, `output_tokens`; optionally `first_token_s`,
    /// `finish_s`, `id`, `hash_ids` (Docs/scheduler-model.md).
    case fleetdeck
    /// Azure's LLM inference traces (2023, 2024): CSV `TIMESTAMP,ContextTokens,GeneratedTokens`,
    /// wall-clock time stamps.
    case azure
    /// Mooncake's (FAST'25): JSON lines `timestamp` (ms), `input_length`, `output_length`,
    /// `hash_ids` (512-token prefix blocks).
    case mooncake
    /// BurstGPT: CSV `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type`,
    /// seconds from the start.
    case burstgpt

    /// The format a trace's first non-blank line announces, or nil.
    public static func detect(firstLine: String) -> TraceFormat? {
        let head = firstLine.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if head.hasPrefix("{") {
            if head.contains("\"input_length\"") || head.contains("\"hash_ids\"") && !head.contains("\"arrival_s\"") { return .mooncake }
            return .fleetdeck
        }
        let columns = head.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if columns.contains("contexttokens") && columns.contains("generatedtokens") { return .azure }
        if columns.contains("request tokens") && columns.contains("response tokens") { return .burstgpt }
        return nil
    }
}

/// Turns a trace's lines into requests, one format's rules at a time; remembers what a format
/// needs across lines (a CSV's columns, the first time stamp, the last arrival).
public struct TraceLineDecoder {
    public let format: TraceFormat
    let file: String
    var csvColumns: CSVColumns?
    /// Azure's time stamps are wall-clock: arrivals are seconds after the first.
    var origin: Double?
    var expectHeader: Bool

    public init(firstLine: String, format: TraceFormat?, file: String, line: Int) throws {
        guard let f = format ?? TraceFormat.detect(firstLine: firstLine) else {
            throw ConfigFileError(file: file, line: line, field: nil, message:
                "not a trace format fleetdeck knows (JSON lines with arrival_s, Mooncake's JSON lines, Azure's or BurstGPT's CSV with its header); name one with --format \(TraceFormat.allCases.map(\.rawValue).joined(separator: "|"))")
        }
        self.format = f
        self.file = file
        expectHeader = f == .azure || f == .burstgpt
    }

    static func isBlank(_ line: String) -> Bool {
        line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }

    func fail(_ line: Int, _ field: String?, _ message: String) -> ConfigFileError {
        ConfigFileError(file: file, line: line, field: field, message: message)
    }

    /// A request, or nil for a header line.
    public mutating func decode(_ text: String, number: Int) throws -> TraceRequest? {
        var line = text
        while line.hasSuffix("\r") || line.hasSuffix("\n") || line.hasSuffix("\r\n") { line.removeLast() }
        if expectHeader {
            expectHeader = false
            csvColumns = try CSVColumns(header: line, format: format, file: file, line: number)
            return nil
        }
        switch format {
        case .fleetdeck: return try FleetdeckTraceLine.decode(line, number: number, decoder: self)
        case .mooncake: return try MooncakeTraceLine.decode(line, number: number, decoder: self)
        case .azure, .burstgpt:
            guard let csvColumns else { preconditionFailure("a CSV trace's header comes first") }
            return try CSVTraceLine.decode(line, number: number, columns: csvColumns, origin: &origin, decoder: self)
        }
    }

    /// Token counts are whole, at least 1, at most 10 million.
    func tokens(_ d: Double, field: String, line: Int) throws -> Int {
        guard d.isFinite, d >= 1, d <= 10_000_000, d == d.rounded() else {
            throw fail(line, field, "expected a whole number of tokens, at least 1 (got \(d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)))")
        }
        return Int(d)
    }
}

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

    public var measuredTTFT: Double? { measuredFirstToken.map { $0 - arrival } }
    public var measuredE2E: Double? { measuredFinish.map { $0 - arrival } }
}

/// Reads a trace: one JSON object per line with at least `arrival_s`, `prompt_tokens` and
/// `output_tokens`; `first_token_s` and `finish_s` (seconds from the trace's start) when it
/// was measured. Blank lines are skipped; anything else that is wrong is an error naming the
/// file, the line and the field.
public enum ServingTraceReader {
    public static func load(file: String) throws -> [TraceRequest] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigFileError(file: file, line: nil, field: nil, message: "cannot read the file")
        }
        return try parse(data, file: file)
    }

    public static func parse(_ data: Data, file: String) throws -> [TraceRequest] {
        var out: [TraceRequest] = []
        var lineNumber = 0
        for lineData in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = lineData.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if trimmed.isEmpty || trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            out.append(try request(Data(lineData), line: lineNumber, file: file))
        }
        guard !out.isEmpty else {
            throw ConfigFileError(file: file, line: nil, field: nil, message: "the trace has no requests")
        }
        return out
    }

    static func request(_ data: Data, line: Int, file: String) throws -> TraceRequest {
        func fail(_ field: String?, _ message: String) -> ConfigFileError {
            ConfigFileError(file: file, line: line, field: field, message: message)
        }
        guard let value = try? JSONSerialization.jsonObject(with: data) else {
            throw fail(nil, "not valid JSON (a cut or damaged line?)")
        }
        guard let object = value as? [String: Any] else { throw fail(nil, "expected a JSON object") }
        func number(_ key: String, required: Bool) throws -> Double? {
            guard let v = object[key], !(v is NSNull) else {
                if required { throw fail(key, "missing") }
                return nil
            }
            // JSONSerialization gives booleans as NSNumber too, of type "c" (a C char), which a
            // JSON number never is.
            guard let n = v as? NSNumber, String(cString: n.objCType) != "c", n.doubleValue.isFinite else {
                throw fail(key, "expected a number")
            }
            return n.doubleValue
        }
        func tokens(_ key: String) throws -> Int {
            let d = try number(key, required: true)!
            guard d >= 1, d <= 10_000_000, d == d.rounded() else {
                throw fail(key, "expected a whole number of tokens, at least 1 (got \(d))")
            }
            return Int(d)
        }
        let arrival = try number("arrival_s", required: true)!
        guard arrival >= 0 else { throw fail("arrival_s", "an arrival cannot be before the trace starts (got \(arrival))") }
        let first = try number("first_token_s", required: false)
        let finish = try number("finish_s", required: false)
        if let first, first < arrival { throw fail("first_token_s", "the first token comes before the arrival") }
        if let finish, finish < (first ?? arrival) { throw fail("finish_s", "the request finishes before its first token") }
        let id = (object["id"] as? String).map(TerminalText.sanitized) ?? "line-\(line)"
        return TraceRequest(line: line, id: id, arrival: arrival, promptTokens: try tokens("prompt_tokens"),
                            outputTokens: try tokens("output_tokens"), measuredFirstToken: first, measuredFinish: finish)
    }
}

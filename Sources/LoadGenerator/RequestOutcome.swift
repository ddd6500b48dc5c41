import FleetCore
import Foundation

/// What became of one request of a load, as the client measured it: the client's clock is the
/// truth here, since some engines (llama.cpp) export no request latency at all.
public struct RequestOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case ok
        /// The server answered with this HTTP status.
        case status(Int)
        /// No answer, or a broken one: refused, reset, timed out, an `error` event mid-stream.
        case failed(String)
    }

    /// Seconds from the start of the run to the send, and the send on the wall clock (Unix seconds).
    public var sentAt: Double
    public var sentUnix: Double
    public var target: String
    public var result: Result
    /// Send to the first generated text; nil when none came.
    public var ttft: Double?
    /// Send to the end of the stream.
    public var e2e: Double?
    /// Tokens generated: the server's `usage` where it sent one, else the text events counted.
    public var outputTokens: Int
    public var promptTokens: Int?

    public init(sentAt: Double, sentUnix: Double, target: String, result: Result, ttft: Double? = nil,
                e2e: Double? = nil, outputTokens: Int = 0, promptTokens: Int? = nil) {
        self.sentAt = sentAt; self.sentUnix = sentUnix; self.target = target; self.result = result
        self.ttft = ttft; self.e2e = e2e; self.outputTokens = outputTokens; self.promptTokens = promptTokens
    }

    /// Mean time between the tokens after the first (TPOT); nil for fewer than two tokens.
    public var timePerOutputToken: Double? {
        guard let ttft, let e2e, outputTokens > 1 else { return nil }
        return (e2e - ttft) / Double(outputTokens - 1)
    }

    /// A reason short enough for a table: "ok", "HTTP 503", or the failure.
    public var resultText: String {
        switch result {
        case .ok: "ok"
        case .status(let code): "HTTP \(code)"
        case .failed(let why): why
        }
    }

    /// One NDJSON line (`load --requests FILE`).
    public var jsonLine: String {
        func number(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "null" }
        var fields = [
            "\"sent_unix\":\(String(format: "%.6f", sentUnix))",
            "\"sent_s\":\(number(sentAt))",
            "\"target\":\(JSONString.quoted(target))",
            "\"result\":\(JSONString.quoted(resultText))",
            "\"ttft_s\":\(number(ttft))",
            "\"e2e_s\":\(number(e2e))",
            "\"output_tokens\":\(outputTokens)",
        ]
        if let promptTokens { fields.append("\"prompt_tokens\":\(promptTokens)") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

import FleetCore
import Foundation
import Testing
@testable import LoadGenerator

struct ServerSentEventsTests {
    @Test func eventsCutAnywhereComeOutWhole() {
        let body = Array("data: {\"a\":1}\n\n: a comment\nevent: x\ndata: one\ndata: two\r\n\r\ndata:[DONE]\n\n".utf8)
        // Every way of cutting the body in two gives the same events.
        for cut in 0...body.count {
            var reader = ServerSentEvents()
            var events = reader.feed(body[..<cut]) + reader.feed(body[cut...])
            if let last = reader.finish() { events.append(last) }
            #expect(events.map { String(decoding: $0, as: UTF8.self) } == ["{\"a\":1}", "one\ntwo", "[DONE]"], "cut at \(cut)")
        }
    }

    @Test func anEventWithoutItsBlankLineEndsWithTheBody() {
        var reader = ServerSentEvents()
        #expect(reader.feed(Array("data: last".utf8)).isEmpty)
        #expect(reader.finish().map { String(decoding: $0, as: UTF8.self) } == "last")
        #expect(reader.finish() == nil)
    }

    @Test func aLineWithoutEndIsCutAtTheCap() {
        var reader = ServerSentEvents(maxLineBytes: 16)
        let events = reader.feed(Array(("data: " + String(repeating: "x", count: 100_000) + "\n\n").utf8))
        #expect(events.count == 1 && events[0].count == 10)
        #expect(reader.truncatedLines == 1)
    }
}

struct PoissonArrivalsTests {
    @Test func theSameSeedGivesTheSameTimesAndTheRateHolds() {
        let a = Array(PoissonArrivals(rate: 50, duration: 200, seed: 7))
        #expect(a == Array(PoissonArrivals(rate: 50, duration: 200, seed: 7)))
        #expect(a != Array(PoissonArrivals(rate: 50, duration: 200, seed: 8)))
        #expect(zip(a, a.dropFirst()).allSatisfy { $0 < $1 } && a.last! < 200)
        // 10,000 expected; a Poisson count's standard deviation is 100.
        #expect(abs(a.count - 10_000) < 400, "\(a.count)")
        // Exponential gaps: their standard deviation equals their mean.
        let gaps = zip(a, a.dropFirst()).map { $1 - $0 }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let sd = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
        #expect(abs(mean - 0.02) < 0.001 && abs(sd / mean - 1) < 0.05, "mean \(mean) sd \(sd)")
    }

    @Test func noRateNoArrivals() {
        #expect(Array(PoissonArrivals(rate: 0, duration: 10, seed: 1)).isEmpty)
    }
}

struct LoadReportTests {
    func outcome(_ e2e: Double, ttft: Double = 0.1, tokens: Int = 11, result: RequestOutcome.Result = .ok) -> RequestOutcome {
        RequestOutcome(sentAt: 0, sentUnix: 0, target: "t", result: result, ttft: ttft, e2e: e2e, outputTokens: tokens)
    }

    @Test func percentilesAreNearestRankAndFailuresAreCountedByReason() {
        var outcomes = (1...100).map { outcome(Double($0)) }
        outcomes += [outcome(0, result: .status(503)), outcome(0, result: .status(503)), outcome(0, result: .failed("connection refused"))]
        let r = LoadReport(outcomes: outcomes, droppedAtClient: 4, duration: 10, offeredRate: 10)
        #expect(r.sent == 103 && r.ok == 100 && r.droppedAtClient == 4)
        #expect(r.e2e.p50 == 50 && r.e2e.p95 == 95 && r.e2e.p99 == 99 && r.e2e.highest == 100)
        #expect(r.failures.map(\.reason) == ["HTTP 503", "connection refused"] && r.failures.map(\.count) == [2, 1])
        // TPOT: the time after the first token over the tokens after it.
        #expect(abs(r.tpot.p50! - (50 - 0.1) / 10) < 1e-9)
        #expect(r.outputTokens == 1100)
        let json = try! JSONSerialization.jsonObject(with: Data(r.json.utf8)) as! [String: Any]
        #expect((json["e2e_s"] as? [String: Any])?["p95"] as? Double == 95)
        #expect(json["dropped_at_client"] as? Int == 4)
        #expect(r.text.contains("dropped at the client 4") && r.text.contains("2 x HTTP 503"))
    }

    @Test func noAnswersGiveNoPercentilesNotZeros() {
        let r = LoadReport(outcomes: [outcome(0, result: .failed("timed out"))], droppedAtClient: 0, duration: 1, offeredRate: 1)
        #expect(r.e2e.p50 == nil && r.ttft.p99 == nil)
        #expect(r.json.contains("\"p50\":null"))
    }
}

struct CompletionRequestTests {
    @Test func theBodyIsJSONWithTheFieldsTheEnginesRead() throws {
        var random = SeededRandom(seed: 3)
        let prompt = CompletionRequest.prompt(tokens: 20, random: &random)
        #expect(prompt.split(separator: " ").count == 20)
        let body = CompletionRequest(model: "m\"\u{1b}", prompt: prompt, maxTokens: 64, ignoreEOS: true).json
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["model"] as? String == "m\"\u{1b}" && !body.contains("\u{1b}"))
        #expect(json["max_tokens"] as? Int == 64 && json["stream"] as? Bool == true && json["ignore_eos"] as? Bool == true)
        #expect(CompletionRequest(model: nil, prompt: "x", maxTokens: 1, ignoreEOS: false).json.contains("model") == false)
    }

    @Test func aBareAddressGetsTheCompletionsPath() {
        #expect(LoadPlan.endpoint("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1/completions")
        #expect(LoadPlan.endpoint("http://h:1/") == "http://h:1/v1/completions")
        #expect(LoadPlan.endpoint("http://h:1/completion") == "http://h:1/completion")
    }

    @Test func aStreamIsReadForItsFirstTextAndItsUsage() {
        var s = StreamResult()
        s.read(Array(#"{"choices":[{"text":""}]}"#.utf8), at: 0.1)
        s.read(Array(#"{"choices":[{"text":"Hi"}]}"#.utf8), at: 0.2)
        s.read(Array(#"{"choices":[{"delta":{"content":"!"}}]}"#.utf8), at: 0.3)
        s.read(Array(#"{"choices":[{"text":"","finish_reason":"length"}],"usage":{"completion_tokens":2,"prompt_tokens":5}}"#.utf8), at: 0.4)
        s.read(Array("[DONE]".utf8), at: 0.5)
        #expect(s.firstText == 0.2 && s.textEvents == 2 && s.usageTokens == 2 && s.promptTokens == 5 && s.error == nil)
        s.read(Array(#"{"error":{"message":"slot unavailable\u001b[2J"}}"#.utf8), at: 0.6)
        #expect(s.error?.contains("slot unavailable") == true && s.error?.contains("\u{1b}") == false)
    }
}

import FleetCore
import FleetdeckTestSupport
import Foundation
import Testing
@testable import Scheduler

/// The public trace formats (Azure, Mooncake, BurstGPT) beside fleetdeck's own, streamed, and
/// their mistakes named by file, line and field.
@Suite struct TraceFormatTests {
    static let traces = RepositoryRoot.path + "/sample-data/traces"

    static func parse(_ text: String, format: TraceFormat? = nil) throws -> [TraceRequest] {
        try ServingTraceReader.parse(Data(text.utf8), file: "t", format: format)
    }

    static func failure(_ text: String, format: TraceFormat? = nil) -> ConfigFileError? {
        do { _ = try parse(text, format: format); return nil } catch let e as ConfigFileError { return e } catch { return nil }
    }

    @Test func azureRowsBecomeSecondsAfterTheFirstWithWindowsLineEndingsAndZones() throws {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:50.9951690,396,109\r\n"
            + "2023-11-16T18:16:46.6805900+00:00,10,1\r\n2023-11-16 20:16:46.1+02:00,12,2\r\n"
        let rows = try Self.parse(text)
        #expect(rows.map(\.promptTokens) == [374, 396, 10, 12])
        #expect(rows.map(\.outputTokens) == [44, 109, 1, 2])
        #expect(abs(rows[1].arrival - 4.314579) < 1e-5)
        #expect(abs(rows[2].arrival - 60) < 1e-5)
        // 20:16 at +02:00 is 18:16 UTC.
        #expect(abs(rows[3].arrival - 59.4194100) < 1e-5)
        #expect(rows[1].line == 3)
    }

    @Test func mooncakeLinesCarryTheirBlockHashes() throws {
        let text = #"{"timestamp": 0, "input_length": 1100, "output_length": 5, "hash_ids": [0, 1, 2]}"# + "\n"
            + #"{"timestamp": 1500, "input_length": 600, "output_length": 3, "hash_ids": [0, 7]}"#
        let rows = try Self.parse(text)
        #expect(rows.map(\.arrival) == [0, 1.5])
        #expect(rows[0].blockHashes == [0, 1, 2])
        #expect(rows[0].hashBlockTokens == 512)
        // Whole blocks only: 2 of the 1,100 tokens' blocks are full, the third is partial.
        #expect(rows[0].hashedPrefixTokens == 1100)
        #expect(rows[1].hashedPrefixTokens == 600)
        #expect(TraceFormat.detect(firstLine: #"{"timestamp": 0, "input_length": 1, "output_length": 1}"#) == .mooncake)
    }

    @Test func burstGPTFindsItsColumnsByName() throws {
        let text = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n"
            + "45.5,GPT-4,1087,192,1279,Conversation log\n"
        let rows = try Self.parse(text)
        #expect(rows.map(\.arrival) == [5, 45.5])
        #expect(rows.map(\.promptTokens) == [472, 1087])
        #expect(rows.map(\.outputTokens) == [18, 192])
        // The later release's columns, in another order.
        let later = try Self.parse("Session ID,Timestamp,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type\n9,3,1.2,GPT-4,10,20,30,API log\n")
        #expect(later.first?.promptTokens == 10 && later.first?.arrival == 3)
    }

    @Test func fleetdecksOwnLinesMayHashTheirPromptsToo() throws {
        let rows = try Self.parse(#"{"arrival_s": 1, "prompt_tokens": 40, "output_tokens": 2, "hash_ids": [5, 6], "hash_block_tokens": 16}"#)
        #expect(rows[0].blockHashes == [5, 6] && rows[0].hashBlockTokens == 16 && rows[0].hashedPrefixTokens == 32)
    }

    @Test func everyMistakeNamesItsLineAndField() {
        let azure = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n"
        let mooncake = #"{"timestamp": 0, "input_length": 100, "output_length": 5}"# + "\n"
        let cases: [(String, Int?, String?, String)] = [
            (azure + "2023-11-16 18:15:47,0,44\n", 3, "ContextTokens", "at least 1"),
            (azure + "2023-11-16 18:15:47,20000000,44\n", 3, "ContextTokens", "at least 1"),
            (azure + "2023-11-16 18:15:47,12.5,44\n", 3, "ContextTokens", "whole number"),
            (azure + "2023-11-16 18:15:47,12\n", 3, nil, "columns"),
            (azure + "yesterday,12,4\n", 3, "TIMESTAMP", "time stamp"),
            (azure + "2023-13-16 18:15:47,12,4\n", 3, "TIMESTAMP", "time stamp"),
            (azure + "2023-11-16 18:15:40,12,4\n", 3, "TIMESTAMP", "before the trace's first"),
            (azure + "2023-11-16 18:15:47,NaN,4\n", 3, "ContextTokens", "number"),
            ("TIMESTAMP,Tokens\n1,2\n", 1, nil, "not a trace format"),
            ("TIMESTAMP,ContextTokens,Generated\n1,2,3\n", 1, nil, "not a trace format"),
            (mooncake + #"{"timestamp": -5, "input_length": 100, "output_length": 5}"#, 2, "timestamp", "before the trace starts"),
            (mooncake + #"{"timestamp": 1, "input_length": 100, "output_length": 0}"#, 2, "output_length", "at least 1"),
            (mooncake + #"{"timestamp": 1, "input_length": 100, "output_length": true}"#, 2, "output_length", "expected a number"),
            (mooncake + #"{"timestamp": 1, "input_length": 100, "output_length": 5, "hash_ids": [1, 2]}"#, 2, "hash_ids", "more than"),
            (mooncake + #"{"timestamp": 1, "input_length": 100, "output_length": 5, "hash_ids": [1.5]}"#, 2, "hash_ids", "whole-number"),
            (mooncake + #"{"timestamp": 1, "input_length": 100, "output_length": 5, "hash_ids": "abc"}"#, 2, "hash_ids", "list"),
            (mooncake + #"{"timestamp": 1, "input_length": 100, "output_le"#, 2, nil, "not valid JSON"),
            (mooncake + #"{"timestamp": 1, "input_length": 100, "output_length": 5,}"#, 2, nil, "not valid JSON"),
            (mooncake + "[1, 2]", 2, nil, "expected a JSON object"),
            (mooncake + #"{"timestamp": 1, "input_length": 01, "output_length": 5}"#, 2, nil, "not valid JSON"),
        ]
        for (text, line, field, words) in cases {
            guard let e = Self.failure(text) else { Issue.record("accepted: \(text)"); continue }
            #expect(e.line == line, "\(e)")
            #expect(e.field == field, "\(e)")
            #expect(e.description.contains(words), "\(e)")
            #expect(e.description.hasPrefix("t:"), "\(e)")
        }
        // Nested values the reader does not use are checked and passed over.
        #expect(Self.failure(#"{"timestamp": 1, "input_length": 3, "output_length": 5, "meta": {"a": [1, {"b": null}], "c": "\u00e9"}}"#) == nil)
        // A format named wrongly is refused at the first line it cannot read.
        #expect(Self.failure(mooncake, format: .fleetdeck)?.field == "arrival_s")
    }

    @Test func aStreamedTraceMustBeInArrivalOrderAndHoldsOnlyAWindow() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-traces-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 250,000 rows: the feed keeps at most its window of them whatever the file's size.
        var text = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
        text.reserveCapacity(9_000_000)
        for i in 0..<250_000 { text += "\(Double(i) / 100),m,\(i % 900 + 1),\(i % 90 + 1),0,x\n" }
        try text.write(toFile: dir + "/big.csv", atomically: true, encoding: .utf8)
        let feed = try TraceFeed(file: dir + "/big.csv", speedup: 4)
        var last = -1.0
        var i = 0
        while let r = feed.request(at: i) {
            #expect(r.arrival >= last)
            last = r.arrival
            #expect(feed.heldCount <= TraceFeed.window + 1)
            i += 1
        }
        #expect(i == 250_000)
        #expect(abs(last - 249_999.0 / 100 / 4) < 1e-9)
        #expect(feed.error == nil)
        // Far behind the window: gone, not an old answer.
        #expect(feed.request(at: 10) == nil)

        try "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,m,1,1,2,x\n4,m,1,1,2,x\n"
            .write(toFile: dir + "/unsorted.csv", atomically: true, encoding: .utf8)
        let unsorted = try TraceFeed(file: dir + "/unsorted.csv")
        #expect(unsorted.request(at: 0) != nil)
        #expect(unsorted.request(at: 1) == nil)
        let e = try #require(unsorted.error as? ConfigFileError)
        #expect(e.line == 3 && e.description.contains("arrival order"), "\(e)")
        // Loaded whole, the same file is sorted instead.
        #expect(try ServingTraceReader.load(file: dir + "/unsorted.csv").map(\.line) == [3, 2])

        let long = String(repeating: "x", count: TraceFileReader.maxLineBytes + 10)
        try ("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n" + long + "\n")
            .write(toFile: dir + "/long.csv", atomically: true, encoding: .utf8)
        #expect(throws: ConfigFileError.self) { _ = try ServingTraceReader.load(file: dir + "/long.csv") }
    }

    @Test func theShippedPublicTracesReadWhole() throws {
        let code = try ServingTraceReader.load(file: Self.traces + "/azure-2023-code.csv")
        #expect(code.count == 8_819)
        #expect(code.first?.arrival == 0 && code.last!.arrival > 3000 && code.last!.arrival < 3700)
        let mooncake = try ServingTraceReader.load(file: Self.traces + "/mooncake-conversation.jsonl")
        #expect(mooncake.count == 12_031)
        #expect(mooncake.allSatisfy { $0.blockHashes.first == 0 })
    }
}

import FleetdeckTestSupport
@testable import MetricsFormats
import Foundation
import Testing

@Suite struct MalformedExpositionTests {
    let exposition: Exposition = {
        let bytes = (try? Samples.bytes("malformed.prom")) ?? []
        return PrometheusTextParser.parse(bytes)
    }()

    func sample(_ family: String, _ label: String? = nil, _ value: String? = nil) -> MetricSample? {
        exposition.family(family)?.samples.first { s in label.map { s.label($0) == value } ?? true }
    }

    func issue(atLineOf needle: String) throws -> ParseIssue? {
        // Split on LF bytes: as Characters, "\r\n" is one grapheme and would hide line breaks.
        let lines = try Samples.bytes("malformed.prom").split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        let line = try #require(lines.firstIndex { $0 == needle } ?? lines.firstIndex { $0.contains(needle) }) + 1
        return exposition.issues.first { $0.line == line }
    }

    @Test func labelEscapes() {
        #expect(sample("fd_case01_info")?.label("prompt_tag") == "say \"hi\"")
        #expect(sample("fd_case02_info")?.label("path") == "C:\\models\\llama")
        #expect(sample("fd_case03_info")?.label("error") == "CUDA out of memory.\nTried to allocate 2.00 GiB")
        #expect(sample("fd_case04_info")?.label("q") == "a}b,c=d # not an exemplar")
        #expect(sample("fd_case05_info")?.label("fmt") == "col1\\tcol2\\a")
        // The ESC byte is data here; the console sanitises it when drawing.
        #expect(sample("fd_case06_info")?.label("model_name")?.contains("\u{1B}") == true)
        #expect(sample("fd_case07_info")?.label("team") == "検索チーム 🚀")
    }

    @Test func specialAndEdgeNumbers() throws {
        #expect(sample("fd_case08_ratio", "k", "nan")?.value.isNaN == true)
        #expect(sample("fd_case08_ratio", "k", "pinf")?.value == .infinity)
        #expect(sample("fd_case08_ratio", "k", "ninf")?.value == -.infinity)
        for k in ["a", "b", "c", "d", "e"] { #expect(sample("fd_case09_ratio", "k", k) != nil, "\(k)") }
        #expect(sample("fd_case09_ratio", "k", "e")?.value == -.infinity)
        #expect(sample("fd_case10_value", "k", "max")?.value == .greatestFiniteMagnitude)
        #expect(sample("fd_case10_value", "k", "overflow") == nil)
        #expect(try issue(atLineOf: "fd_case10_value{k=\"overflow\"}")?.message.contains("invalid value") == true)
        #expect(sample("fd_case10_value", "k", "subnormal")?.value == 4.9e-324)
        for bad in ["hex", "underscore", "junk"] { #expect(sample("fd_case12_value", "k", bad) == nil, "\(bad)") }
        #expect(sample("fd_case12_value", "k", "plus")?.value == 3.5)
        #expect(sample("fd_case12_value", "k", "leadingdot")?.value == 0.5)
    }

    /// The parser's exact fast path for short decimals must round exactly as the standard
    /// library does; a seeded sweep over the shapes exporters print.
    @Test func fastNumberPathRoundsLikeTheStandardLibrary() {
        var rng = SplitMix(seed: 42)
        var lines: [String] = []
        var expected: [Double] = []
        for i in 0..<4000 {
            let mantissa = rng.next() % (i % 3 == 0 ? 1_000_000_000_000_000_000 : 10_000_000)
            let digits = String(mantissa)
            let point = Int(rng.next() % UInt64(digits.count + 1))
            var literal = point == digits.count ? digits : String(digits.prefix(point)) + "." + digits.dropFirst(point)
            if literal.hasPrefix(".") && i % 2 == 0 { literal = "0" + literal }
            if i % 4 == 1 { literal += "e" + (rng.next() % 2 == 0 ? "-" : "+") + String(rng.next() % 30) }
            if i % 5 == 2 { literal = "-" + literal }
            guard let d = Double(literal) else { continue }
            lines.append("m{i=\"\(i)\"} \(literal)")
            expected.append(d)
        }
        let parsed = PrometheusTextParser.parse(lines.joined(separator: "\n") + "\n")
        #expect(parsed.issues.isEmpty)
        let values = parsed.family("m")?.samples.map(\.value) ?? []
        #expect(values.count == expected.count)
        let mismatches = zip(values, expected).filter { $0.bitPattern != $1.bitPattern }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func metadataProblemsAreReportedNotFatal() throws {
        #expect(exposition.family("vllm:num_requests_waiting")?.type == .unknown)
        #expect(exposition.family("fd_case14_requests_total")?.samples.first?.value == 17)
        #expect(try issue(atLineOf: "# TYPE fd_case14_requests_total counter")?.message.contains("after its samples") == true)
        #expect(exposition.family("fd_case15_seconds")?.help == "First help \\ with a backslash and a\nnewline and \"quotes\".")
        #expect(try issue(atLineOf: "Second help for the same metric")?.message.contains("second HELP") == true)
        #expect(try issue(atLineOf: "# TYPE fd_case31_thing histogramz")?.message.contains("unknown metric type") == true)
        #expect(exposition.family("fd_case31_build")?.type == .unknown)
    }

    @Test func duplicatesAndLabelOrder() throws {
        let running = exposition.family("vllm:num_requests_running")?.samples ?? []
        #expect(running.count == 1 && running[0].value == 41)
        #expect(exposition.family("fd_case17_up")?.samples.count == 1)
        #expect(try issue(atLineOf: "fd_case17_up{job=\"vllm\"")?.message.contains("duplicate series") == true)
        #expect(exposition.family("fd_case18_info") == nil || exposition.family("fd_case18_info")?.samples.isEmpty == true)
        #expect(try issue(atLineOf: "fd_case18_info{gpu")?.message.contains("duplicate label name") == true)
        #expect(exposition.family("fd_case19_value")?.samples.map(\.value) == [1, 2, 3])
        #expect(sample("fd_case20_info")?.label("prompt_prefix")?.utf8.count == 4988)   // the whole value, uncut
    }

    @Test func whitespaceLineEndingsAndTimestamps() {
        #expect(sample("fd_case21_gauge", "host", "win-node")?.value == 12)
        #expect(sample("fd_case21_gauge", "host", "win-node-2")?.timestamp == 1_760_007_600)
        #expect(exposition.family("fd_case22_gauge")?.samples.map(\.value) == [7, 8, 9])
        #expect(sample("fd_case23_gauge", "k", "neg")?.timestamp == -3982.045)
        #expect(sample("fd_case23_gauge", "k", "float_seconds") == nil)
    }

    @Test func exemplarsInTextFormatAreDroppedWithANote() throws {
        let bucket = exposition.family("fd_case24_seconds")?.samples.first { $0.label("le") == "0.1" }
        #expect(bucket?.value == 8 && bucket?.exemplar == nil)
        #expect(try issue(atLineOf: "fd_case24_seconds_bucket{le=\"0.1\"}")?.message.contains("exemplar") == true)
    }

    @Test func suffixTrapsFollowTheTypeLines() {
        #expect(exposition.family("tgi_request_count")?.type == .counter)
        #expect(exposition.family("vllm:iteration_tokens_total")?.samples.count == 3)
        #expect(exposition.family("fd_case29_inflight_total")?.type == .gauge)
        #expect(exposition.family("vllm:prompt_tokens_created")?.type == .gauge)
        #expect(exposition.family("fd_case28_seconds")?.samples.count == 5)
        #expect(exposition.family("fd_case28_bytes")?.samples.count == 2)
        // CASE 37: metadata and samples disagree on ':' vs '_': two families, the sample untyped.
        #expect(exposition.family("sglang:token_usage")?.samples.isEmpty == true)
        #expect(exposition.family("sglang_token_usage")?.type == .unknown)
        #expect(exposition.family("sglang:e2e_request_latency_seconds")?.samples.count == 4)
    }

    @Test func brokenLinesAreSkippedWithTheirLineNumber() throws {
        for needle in ["2xx_responses 5", "fd_case30_info{model-name", "{\"gen_ai.client", "fd_case32_no_value",
                       "fd_case32_broken{a=\"unterminated", "fd_case32_broken{a=\"x\" 1", "fd_case32_broken{a=\"x\"} 1 2 3", "{} 1"] {
            #expect(try issue(atLineOf: needle) != nil, "\(needle)")
        }
        // In text format 0.0.4 '# EOF' is only a comment.
        #expect(exposition.family("fd_case33_after_eof")?.samples.first?.value == 1)
        #expect(exposition.family("fd_case39_last_line_without_newline")?.samples.first?.value == 1)
        #expect(exposition.issues.allSatisfy { $0.description.hasPrefix("line ") })
    }

    @Test func invalidUTF8IsAnIssueNotACrash() {
        var bytes = Array("ok 1\nbad{v=\"".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\"} 2\nalso_ok 3\n".utf8)
        let e = PrometheusTextParser.parse(bytes)
        #expect(e.issues.map(\.line) == [2])
        #expect(e.issues.first?.message.contains("invalid UTF-8") == true)
        #expect(e.family("also_ok")?.samples.first?.value == 3)
    }

    @Test func openMetricsEndsAtEOFAndWantsIt() {
        let ok = PrometheusTextParser.parse("# TYPE a gauge\na 1\n# EOF\n", format: .openMetrics)
        #expect(ok.issues.isEmpty && ok.sampleCount == 1)
        let after = PrometheusTextParser.parse("a 1\n# EOF\nb 2\n", format: .openMetrics)
        #expect(after.issues.map(\.message) == ["data after # EOF"])
        #expect(after.family("b") == nil)
        let missing = PrometheusTextParser.parse("a 1\n", format: .openMetrics)
        #expect(missing.issues.first?.message.contains("missing # EOF") == true)
        let seconds = PrometheusTextParser.parse("a 1 1760007600.5\n# EOF\n", format: .openMetrics)
        #expect(seconds.family("a")?.samples.first?.timestamp == 1760007600.5)
    }

    @Test func duplicateLabelNamesAreFoundInLongLabelSetsToo() {
        let many = (0..<40).map { "l\($0)=\"v\"" }
        let repeated = PrometheusTextParser.parse(Array("m{\((many + ["l3=\"again\""]).joined(separator: ","))} 1\n".utf8))
        #expect(repeated.issues.map(\.message) == ["m: duplicate label name 'l3'"])
        // The most labels a sample may have are read; one more and the sample is skipped with
        // the reason, without reading the rest (a hostile one has 100,000).
        let most = (0..<TextCursor.maxLabels).map { "l\($0)=\"v\"" }.joined(separator: ",")
        let ok = PrometheusTextParser.parse(Array("m{\(most)} 1\n".utf8))
        #expect(ok.issues.isEmpty && ok.sampleCount == 1)
        let huge = (0..<100_000).map { "l\($0)=\"v\"" }.joined(separator: ",")
        let e = PrometheusTextParser.parse(Array("m{\(huge)} 1\nafter 2\n".utf8))
        #expect(e.issues.map(\.message) == ["m: more than 128 labels; the sample is skipped"])
        #expect(e.sampleCount == 1 && e.family("after") != nil)
    }

    @Test func aPayloadOfBadLinesKeepsTheFirstProblemsAndCountsTheRest() {
        let bad = String(repeating: "not a sample {{{\n", count: 5_000) + "good 1\n"
        let e = PrometheusTextParser.parse(Array(bad.utf8))
        #expect(e.issues.count == PrometheusTextParser.keptIssues)
        #expect(e.issueCount == 5_000)
        #expect(e.issues.first?.line == 1 && e.sampleCount == 1)
    }
}

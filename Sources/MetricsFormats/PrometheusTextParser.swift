import Foundation

/// Parses the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, working on
/// the bytes: no line splitting into Strings, no regular expressions.
///
/// Samples are grouped by their TYPE/HELP metadata, not by name suffixes (TGI counters lack
/// `_total`, vLLM has a histogram named `..._total`, Python exporters add `_created`). A bad
/// line is skipped and reported with its number; the rest of the payload still counts.
public enum PrometheusTextParser {
    /// Problems kept per payload (`Exposition.issueCount` counts them all).
    public static let keptIssues = 1_000

    public enum Format: Sendable {
        /// text/plain; version=0.0.4: millisecond integer timestamps, `#` comments allowed.
        case prometheusText
        /// application/openmetrics-text: float-second timestamps, exemplars, UNIT, `# EOF`.
        case openMetrics
    }

    public static func parse(_ text: String, format: Format = .prometheusText) -> Exposition {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0), format: format) }
    }

    public static func parse(_ bytes: [UInt8], format: Format = .prometheusText) -> Exposition {
        bytes.withUnsafeBytes { parse($0, format: format) }
    }

    public static func parse(_ buffer: UnsafeRawBufferPointer, format: Format) -> Exposition {
        var state = ParserState(format: format)
        var start = 0
        var line = 1
        let n = buffer.count
        while start < n {
            let end = memchr(buffer.baseAddress! + start, 0x0A, n - start).map { $0 - UnsafeMutableRawPointer(mutating: buffer.baseAddress!) } ?? n
            var lineEnd = end
            // Tolerate CRLF: Windows-side exporters and proxies produce it.
            if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if state.ended {
                if !isBlank(buffer, start, lineEnd) {
                    state.issue(line, "data after # EOF")
                    break
                }
            } else {
                state.parseLine(buffer, start, lineEnd, line: line)
            }
            start = end + 1
            line += 1
        }
        if format == .openMetrics && !state.ended {
            state.issue(max(1, line - 1), "missing # EOF at the end of the OpenMetrics exposition")
        }
        return state.finish()
    }

    static func isBlank(_ b: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Bool {
        (s..<e).allSatisfy { b[$0] == 0x20 || b[$0] == 0x09 }
    }
}

/// Family bookkeeping while parsing.
struct ParserState {
    let format: PrometheusTextParser.Format
    var families: [MetricFamily] = []
    /// Family index by the interner's id of the family name; -1 where none.
    var familyOf: [Int] = []
    var current: Int?
    var issues: [ParseIssue] = []
    var issueCount = 0
    var ended = false
    /// Series seen, as 64-bit hashes of the family, the name and the label set (label order
    /// does not count), to report duplicates without keeping copies of every label set.
    var seen = HashSet64()
    var strings = StringInterner()

    init(format: PrometheusTextParser.Format) { self.format = format }

    /// Every problem is counted; the first `keptIssues` are kept, so a target serving megabytes
    /// of bad lines costs a count, not a list as long as its payload.
    mutating func issue(_ line: Int, _ message: String) {
        issueCount += 1
        if issues.count < PrometheusTextParser.keptIssues { issues.append(ParseIssue(line: line, message: message)) }
    }

    func finish() -> Exposition { Exposition(families: families, issues: issues, issueCount: issueCount) }

    /// Names reach here interned (the cursor read them), so the interner knows them.
    func existingFamily(_ name: String) -> Int? {
        guard let id = strings.find(name)?.id, id < familyOf.count, familyOf[id] >= 0 else { return nil }
        return familyOf[id]
    }

    mutating func family(named name: String, type: MetricType = .unknown) -> Int {
        if let i = existingFamily(name) { return i }
        families.append(MetricFamily(name: name, type: type, help: nil, unit: nil, samples: []))
        var copy = name
        let id = copy.withUTF8 { strings.entry(UnsafeRawBufferPointer($0), 0, $0.count)?.id } ?? -1
        if id >= 0 {
            if id >= familyOf.count { familyOf.append(contentsOf: repeatElement(-1, count: id + 1 - familyOf.count)) }
            familyOf[id] = families.count - 1
        }
        return families.count - 1
    }

    // MARK: lines

    mutating func parseLine(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int, line: Int) {
        var cur = TextCursor(buffer: b, position: start, end: end)
        cur.skipSpaces()
        if cur.atEnd {
            if format == .openMetrics { issue(line, "blank lines are not allowed in OpenMetrics") }
            return
        }
        if cur.peek == UInt8(ascii: "#") {
            parseComment(&cur, line: line)
            return
        }
        parseSample(&cur, line: line)
    }

    mutating func parseComment(_ cur: inout TextCursor, line: Int) {
        cur.advance()   // '#'
        cur.skipSpaces()
        let keyword = cur.word()
        switch keyword {
        case "EOF" where format == .openMetrics:
            ended = true
        case "HELP", "TYPE", "UNIT":
            cur.skipSpaces()
            guard let name = cur.metricName(&strings) else {
                issue(line, "# \(keyword) without a valid metric name")
                return
            }
            // TYPE and UNIT take one word; HELP text keeps its own spacing.
            let rest: String
            if keyword == "HELP" {
                rest = cur.restAfterOneSpace()
            } else {
                cur.skipSpaces()
                let word = cur.word()
                cur.skipSpaces()
                rest = cur.atEnd ? word : word + " " + cur.restAfterOneSpace()
            }
            applyMetadata(keyword, name: name, text: rest, line: line)
        default:
            if format == .openMetrics { issue(line, "unknown comment (OpenMetrics allows only HELP, TYPE, UNIT and EOF)") }
        }
    }

    mutating func applyMetadata(_ keyword: String, name: String, text: String, line: Int) {
        let existing = existingFamily(name)
        let i = family(named: name)
        current = i
        switch keyword {
        case "HELP":
            if families[i].help != nil { issue(line, "second HELP for \(name) ignored"); return }
            families[i].help = TextCursor.unescape(text, quotes: false)
        case "UNIT":
            families[i].unit = text
        default:   // TYPE
            let word = text
            guard var type = MetricType(rawValue: word == "untyped" ? "unknown" : word) else {
                issue(line, "unknown metric type '\(word)' for \(name); treated as unknown")
                return
            }
            if format == .prometheusText, [.info, .stateset, .gaugehistogram].contains(type) {
                issue(line, "type '\(word)' is OpenMetrics-only; treated as unknown in text format 0.0.4")
                type = .unknown
            }
            if let e = existing, families[e].type != .unknown || !families[e].samples.isEmpty {
                issue(line, families[e].samples.isEmpty ? "second TYPE for \(name) ignored" : "TYPE for \(name) after its samples ignored")
                return
            }
            families[i].type = type
        }
    }

    /// The family a sample belongs to: the current one if the name fits its type's suffixes,
    /// else a known family it fits, else a new family of unknown type.
    mutating func familyIndex(forSample name: String) -> Int {
        if let c = current, Self.fits(name, families[c].name, families[c].type) { return c }
        if let i = existingFamily(name), Self.fits(name, families[i].name, families[i].type) { return i }
        for suffix in ["_bucket", "_count", "_sum", "_created", "_total", "_gcount", "_gsum", "_info"] where name.hasSuffix(suffix) {
            if let i = existingFamily(String(name.dropLast(suffix.count))), Self.fits(name, families[i].name, families[i].type) { return i }
        }
        let i = family(named: name)
        return i
    }

    /// Byte comparisons: String's own hasPrefix/hasSuffix compare by Unicode canonical
    /// equivalence, which is needless for metric names and slow on every sample.
    static func fits(_ sample: String, _ family: String, _ type: MetricType) -> Bool {
        let extra = sample.utf8.count - family.utf8.count
        guard extra >= 0 else { return false }
        var sample = sample, name = family
        return sample.withUTF8 { s in
            name.withUTF8 { n in
                guard memcmp(s.baseAddress!, n.baseAddress!, n.count) == 0 || n.count == 0 else { return false }
                for suffix in type.suffixes where suffix.utf8.count == extra {
                    if extra == 0 { return true }
                    var suffix = suffix
                    if suffix.withUTF8({ memcmp(s.baseAddress! + n.count, $0.baseAddress!, extra) }) == 0 { return true }
                }
                return false
            }
        }
    }

    /// The first label name that appears twice. Pairwise for the few labels a real series has;
    /// by a set past that, so a hostile sample with 100,000 labels costs linear time, not
    /// seconds while every other target waits.
    static func firstRepeatedName(_ labels: [Label]) -> String? {
        if labels.count <= 16 {
            for i in labels.indices.dropFirst() where labels[..<i].contains(where: { $0.name == labels[i].name }) { return labels[i].name }
            return nil
        }
        var seen = Set<String>(minimumCapacity: labels.count)
        for l in labels where !seen.insert(l.name).inserted { return l.name }
        return nil
    }

    mutating func parseSample(_ cur: inout TextCursor, line: Int) {
        guard let nameEntry = cur.metricNameEntry(&strings) else {
            issue(line, cur.peek == UInt8(ascii: "{") ? "quoted or missing metric names are not supported" : "invalid metric name")
            return
        }
        let name = nameEntry.string
        var labels: [Label] = []
        var labelHash: UInt64 = 0
        if cur.peek == UInt8(ascii: "{") {
            do { labels = try cur.labelSet(&strings, hash: &labelHash) } catch { issue(line, "\(name): \(error)"); return }
        }
        if let duplicate = Self.firstRepeatedName(labels) {
            issue(line, "\(name): duplicate label name '\(duplicate)'")
            return
        }
        guard cur.skipSpaces() > 0 || cur.atEnd else { issue(line, "\(name): expected a space before the value"); return }
        guard !cur.atEnd else { issue(line, "\(name): missing value"); return }
        let valueStart = cur.position
        guard let value = cur.number() else {
            issue(line, "\(name): invalid value '\(cur.string(valueStart, cur.position).prefix(40))'")
            return
        }
        cur.skipSpaces()
        var timestamp: Double?
        if !cur.atEnd, cur.peek != UInt8(ascii: "#") {
            let t = cur.token() ?? ""
            switch format {
            case .prometheusText:
                guard let ms = Int64(t) else { issue(line, "\(name): invalid timestamp '\(t.prefix(40))' (milliseconds expected)"); return }
                timestamp = Double(ms) / 1000
            case .openMetrics:
                guard let s = NumberParsing.double(t), s.isFinite else { issue(line, "\(name): invalid timestamp '\(t.prefix(40))'"); return }
                timestamp = s
            }
            cur.skipSpaces()
        }
        var exemplar: Exemplar?
        if !cur.atEnd, cur.peek == UInt8(ascii: "#") {
            cur.advance()
            cur.skipSpaces()
            if format == .prometheusText {
                issue(line, "\(name): exemplar ignored (exemplars are OpenMetrics-only)")
            } else {
                do { exemplar = try cur.exemplar() } catch { issue(line, "\(name): bad exemplar: \(error)"); return }
            }
            cur.skipToEnd()
        }
        cur.skipSpaces()
        guard cur.atEnd else { issue(line, "\(name): unexpected text after the value"); return }

        let f = familyIndex(forSample: name)
        current = f
        let key = (nameEntry.hash ^ labelHash &* 0xD6E8_FEB8_6659_FD93) &+ UInt64(f) &* 0x9E37_79B9_7F4A_7C15
        if !seen.insert(key) {
            let sorted = labels.sorted { $0.name < $1.name }
            issue(line, "\(name): duplicate series \(sorted.map(\.description).joined(separator: ",")); first kept")
            return
        }
        families[f].samples.append(MetricSample(name: name, labels: labels, value: value, timestamp: timestamp,
                                                exemplar: exemplar, line: line))
    }
}

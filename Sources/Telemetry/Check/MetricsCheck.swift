import FleetCore
import Foundation
import MetricsFormats

/// `fleetdeck check`: what fleetdeck makes of one payload, like `promtool check metrics` but
/// for the console's concepts. Pure: bytes in, a report out.
public enum MetricsCheck {
    public enum Format: String, Sendable, CaseIterable {
        case auto, prometheus, openmetrics, redis, ndjson
    }

    public struct Report: Sendable {
        public var source: String
        public var format: Format
        public var bytes: Int
        public var lines: Int
        /// "vLLM", "Redis", ...; nil when nothing was recognised.
        public var stack: String?
        public var families = 0
        public var series = 0
        /// (concept, value) in display order.
        public var concepts: [(name: String, value: String)] = []
        public var problems: [ParseIssue] = []
        /// Problems found beyond those listed (the parser keeps the first 1,000).
        public var unlistedProblems = 0

        public var hasErrors: Bool { !problems.isEmpty }

        /// The report as printed: every string sanitized, since payloads are untrusted.
        public var text: String {
            let clean = TerminalText.sanitized
            var out = "\(clean(source)): \(format.title), \(bytes) bytes, \(lines) lines\n"
            out += "stack: \(stack ?? "not recognised")\n"
            if format == .prometheus || format == .openmetrics {
                out += "families: \(families)  series: \(series)\n"
            } else if series > 0 {
                out += (format == .redis ? "fields: " : "records: ") + "\(series)\n"
            }
            if !concepts.isEmpty {
                out += "concepts:\n"
                let width = concepts.map { $0.name.count }.max() ?? 0
                for c in concepts { out += "  " + c.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + clean(c.value) + "\n" }
            }
            if problems.isEmpty {
                out += "problems: none\n"
            } else {
                out += "problems (\(problems.count + unlistedProblems)):\n"
                for p in problems { out += "  " + clean(p.description) + "\n" }
                if unlistedProblems > 0 { out += "  ... and \(unlistedProblems) more, not listed\n" }
            }
            return out
        }
    }

    /// Which format a payload is in, from its first meaningful line (and the HTTP content type).
    public static func detect(_ bytes: [UInt8], contentType: String? = nil) -> Format {
        if let ct = contentType?.lowercased(), ct.contains("openmetrics") { return .openmetrics }
        let text = String(decoding: bytes.prefix(64 * 1024), as: UTF8.self)
        let firstLine = text.split(whereSeparator: \.isNewline).first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if firstLine.hasPrefix("{") { return .ndjson }
        if firstLine.hasPrefix("# Server") || firstLine.hasPrefix("# Clients") || text.contains("\nredis_version:") || firstLine.hasPrefix("redis_version:") {
            return .redis
        }
        let tail = String(decoding: bytes.suffix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return tail.hasSuffix("# EOF") ? .openmetrics : .prometheus
    }

    /// The report of a page already parsed (the node inspection parses it once for both).
    public static func check(_ e: Exposition, bytes: [UInt8], source: String, openMetrics: Bool) -> Report {
        var report = Report(source: source, format: openMetrics ? .openmetrics : .prometheus, bytes: bytes.count, lines: lineCount(bytes))
        read(e, into: &report)
        return report
    }

    static func read(_ e: Exposition, into report: inout Report) {
        report.families = e.families.count
        report.series = e.sampleCount
        report.problems = e.issues
        report.unlistedProblems = e.issueCount - e.issues.count
        if let mapping = MetricsMappings.detect(e) {
            report.stack = mapping.stack.title
            report.concepts = concepts(of: mapping.read(e))
        }
    }

    static func lineCount(_ bytes: [UInt8]) -> Int {
        bytes.isEmpty ? 0 : bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } + (bytes.last == 0x0A ? 0 : 1)
    }

    public static func check(_ bytes: [UInt8], source: String, format requested: Format = .auto, contentType: String? = nil) -> Report {
        let format = requested == .auto ? detect(bytes, contentType: contentType) : requested
        var report = Report(source: source, format: format, bytes: bytes.count, lines: lineCount(bytes))
        switch format {
        case .auto, .prometheus, .openmetrics:
            read(PrometheusTextParser.parse(bytes, format: format == .openmetrics ? .openMetrics : .prometheusText), into: &report)
        case .redis:
            let info = RedisInfoParser.parse(String(decoding: bytes, as: UTF8.self))
            report.problems = info.issues
            report.series = info.fields.count
            if info.fields["redis_version"] != nil || info.keyspaceHits != nil { report.stack = "Redis" }
            if let h = info.keyspaceHits { report.concepts.append(("keyspace hits", "\(h)")) }
            if let m = info.keyspaceMisses { report.concepts.append(("keyspace misses", "\(m)")) }
            if let r = info.lifetimeHitRate { report.concepts.append(("hit rate (lifetime)", Shown.percent(r))) }
            // Saturating: a server may claim any count per database.
            let keys = info.keyspaces.values.reduce(0) { total, db in
                let (sum, overflow) = total.addingReportingOverflow(db.keys)
                return overflow ? Int.max : sum
            }
            if !info.keyspaces.isEmpty { report.concepts.append(("keys", "\(keys)")) }
            if let used = info.double("used_memory") { report.concepts.append(("memory used", Shown.bytes(used))) }
        case .ndjson:
            var nodes = Set<String>()
            var events = 0
            var number = 0
            for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                number += 1
                let line = String(decoding: raw.last == 0x0D ? raw.dropLast() : raw[...], as: UTF8.self)
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                switch NDJSONRecordParser.parse(line: line) {
                case .success(.node(let n)): nodes.insert(n.node); report.series += 1
                case .success(.event): events += 1; report.series += 1
                case .failure(let e): report.problems.append(ParseIssue(line: number, message: e.message))
                }
            }
            if report.series > 0 { report.stack = "fleetdeck NDJSON" }
            report.concepts = [("nodes", "\(nodes.count)"), ("events", "\(events)")]
        }
        return report
    }

    static func concepts(of r: EngineReading) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        if !r.models.isEmpty { out.append(("models", r.models.joined(separator: ", "))) }
        for g in EngineReading.Gauge.allCases {
            guard let v = r.gauges[g] else { continue }
            let shown = (g == .kvCacheUsage || g == .prefixCacheHitRate) ? Shown.percent(v) : Shown.number(v)
            out.append((g.title, shown))
        }
        for c in EngineReading.Counter.allCases {
            guard let v = r.counters[c] else { continue }
            out.append((c.title + " (counter)", Shown.number(v)))
        }
        for l in EngineReading.Latency.allCases {
            guard let h = r.latencies[l] else { continue }
            let qs = [0.5, 0.95, 0.99].map { q in h.quantile(q).map { l.inTokens ? Shown.number($0) : Shown.seconds($0) } ?? "-" }
            out.append((l.title + " p50/p95/p99", qs.joined(separator: " / ") + "  (\(Shown.number(h.count ?? 0)) observations since start)"))
        }
        for g in r.gpus {
            var parts: [String] = []
            if let u = g.utilization { parts.append("util " + Shown.percent(u)) }
            if let m = g.memoryUsedGiB, let t = g.memoryTotalGiB { parts.append(String(format: "mem %.1f/%.1f GiB", m, t)) }
            if let p = g.powerWatts { parts.append(String(format: "%.0f W", p)) }
            if let t = g.temperatureC { parts.append(String(format: "%.0f °C", t)) }
            out.append(("gpu \(g.index)" + (g.name.map { " \($0)" } ?? ""), parts.joined(separator: ", ")))
        }
        return out
    }
}

extension MetricsCheck.Format {
    var title: String {
        switch self {
        case .auto: return "auto"
        case .prometheus: return "Prometheus text 0.0.4"
        case .openmetrics: return "OpenMetrics 1.0"
        case .redis: return "Redis INFO"
        case .ndjson: return "fleetdeck NDJSON"
        }
    }
}

extension Stack {
    public var title: String {
        switch self {
        case .vllm: return "vLLM"
        case .sglang: return "SGLang"
        case .tgi: return "TGI"
        case .llamacpp: return "llama.cpp llama-server"
        case .triton: return "NVIDIA Triton"
        case .dcgm: return "NVIDIA dcgm-exporter"
        case .litellm: return "LiteLLM"
        }
    }
}

extension EngineReading.Gauge {
    var title: String {
        switch self {
        case .running: return "running requests"
        case .waiting: return "waiting requests"
        case .kvCacheUsage: return "KV-cache use"
        case .prefixCacheHitRate: return "prefix-cache hit rate"
        }
    }
}

extension EngineReading.Counter {
    var title: String {
        switch self {
        case .promptTokens: return "prompt tokens"
        case .promptSeconds: return "prompt seconds"
        case .generationTokens: return "generation tokens"
        case .prefixCacheQueries: return "prefix-cache queries"
        case .prefixCacheHits: return "prefix-cache hits"
        case .preemptions: return "preemptions"
        case .requestsSucceeded: return "requests succeeded"
        case .requestsFailed: return "requests failed"
        case .spendDollars: return "spend ($)"
        case .responseCacheHits: return "response-cache hits"
        case .responseCacheMisses: return "response-cache misses"
        }
    }
}

extension EngineReading.Latency {
    var title: String {
        switch self {
        case .timeToFirstToken: return "time to first token"
        case .endToEnd: return "end-to-end latency"
        case .interToken: return "inter-token latency"
        case .queueTime: return "queue time"
        case .promptLength: return "prompt length (tokens)"
        case .outputLength: return "output length (tokens)"
        }
    }
}

/// Value formatting for the report (FleetCore's `Format` is shadowed by `MetricsCheck.Format`).
private enum Shown {
    static func percent(_ f: Double) -> String { FleetCore.Format.percent(f) }
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.4g", v)
    }
    static func seconds(_ s: Double) -> String { FleetCore.Format.latency(s) }
    static func bytes(_ b: Double) -> String { String(format: "%.1f MiB", b / 1_048_576) }
}

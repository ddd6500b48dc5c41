import FleetCore
import Foundation
import MetricsFormats
import Synchronization

/// A watched node opened down to its engine's own page (`i` in the console): the target's
/// `/metrics` fetched again, every series listed, the engine's configuration (vLLM's
/// `cache_config_info`, llama.cpp's `/props`), and the page's problems with their lines.
/// The scrape loop tells it the targets as they come and go.
public final class TargetInspector: NodeInspector {
    private let scraper: MetricsScraper
    private let targets = Mutex<[String: WatchConfig.Target]>([:])
    /// Series listed at most: a flood of a page must not become a flood of lines in memory.
    public static let maxSeries = 20_000
    /// Configuration entries at most, each cut to `maxValueLength` characters.
    public static let maxConfiguration = 80
    public static let maxValueLength = 160

    public init(scraper: MetricsScraper) { self.scraper = scraper }

    /// The targets now, by node name (the first of two with one name).
    public func track(_ all: [WatchConfig.Target]) {
        let byNode = Dictionary(all.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        targets.withLock { $0 = byNode }
    }

    public func inspect(node: String) async -> NodeInspection {
        let now = Date().timeIntervalSince1970
        guard let target = targets.withLock({ $0[node] }) else {
            return NodeInspection(node: node, source: "-", fetchedAt: now, failure: "no scrape target is named \(node)")
        }
        let source = WatchConfig.redacted(target.url)
        switch await scraper.scrape(target.url, authorization: target.authorization) {
        case .failure(let f):
            return NodeInspection(node: node, source: source, fetchedAt: now, failure: f.reason)
        case .success(let page):
            var inspection = Self.read(page.body, node: node, source: source, openMetrics: page.openMetrics, fetchedAt: now)
            if inspection.summary.contains("stack: llama.cpp llama-server"), let props = Self.propsURL(target.url) {
                switch await scraper.scrape(props, authorization: target.authorization) {
                case .success(let answer): inspection.configuration += Self.llamaCppProps(answer.body)
                case .failure(let f): inspection.problems.append("/props: \(f.reason)")
                }
            }
            return inspection
        }
    }

    /// A page read into an inspection: pure, for the tests.
    public static func read(_ body: [UInt8], node: String, source: String, openMetrics: Bool, fetchedAt: Double) -> NodeInspection {
        let exposition = PrometheusTextParser.parse(body, format: openMetrics ? .openMetrics : .prometheusText)
        let report = MetricsCheck.check(exposition, bytes: body, source: source, openMetrics: openMetrics)
        let summary = report.text.split(separator: "\n").map(String.init).prefix { !$0.hasPrefix("problems") }.dropFirst()
        var series: [String] = []
        var configuration: [NodeInspection.Setting] = []
        outer: for family in exposition.families {
            for sample in family.samples {
                guard series.count < maxSeries else { break outer }
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map(\.description).joined(separator: ",") + "}"
                series.append(TerminalText.sanitized(sample.name + labels + " " + value(sample.value)))
            }
            // vLLM states its cache configuration as the labels of an info gauge.
            if family.name.hasSuffix("cache_config_info"), let sample = family.samples.first {
                configuration += sample.labels.map { .init(key: TerminalText.sanitized($0.name), value: cut($0.value)) }
            }
        }
        var problems = report.problems.map { TerminalText.sanitized($0.description) }
        if report.unlistedProblems > 0 { problems.append("... and \(report.unlistedProblems) more") }
        if exposition.sampleCount > maxSeries { problems.append("\(exposition.sampleCount) series: the first \(maxSeries) are listed") }
        return NodeInspection(node: node, source: source, fetchedAt: fetchedAt, summary: Array(summary), series: series,
                              configuration: Array(configuration.prefix(maxConfiguration)), problems: problems)
    }

    /// llama.cpp's `/props` beside its `/metrics`.
    static func propsURL(_ metricsURL: String) -> String? {
        guard var c = URLComponents(string: metricsURL) else { return nil }
        c.path = c.path.hasSuffix("/metrics") ? String(c.path.dropLast("/metrics".count)) + "/props" : "/props"
        c.query = nil
        return c.url?.absoluteString
    }

    /// The scalar fields of `/props` and of its `default_generation_settings`: slots, context,
    /// model path, build; nothing from a body that is not a JSON object.
    static func llamaCppProps(_ body: [UInt8]) -> [NodeInspection.Setting] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return [.init(key: "/props", value: "not a JSON object")]
        }
        func scalars(_ o: [String: Any], prefix: String) -> [NodeInspection.Setting] {
            o.keys.sorted().compactMap { k in
                let v = o[k]!
                switch v {
                case let s as String: return .init(key: prefix + k, value: cut(s))
                case let n as NSNumber: return .init(key: prefix + k, value: n.stringValue)
                default: return nil
                }
            }
        }
        var out = scalars(object, prefix: "")
        if let settings = object["default_generation_settings"] as? [String: Any] {
            out += scalars(settings, prefix: "default_generation_settings.")
            if let params = settings["params"] as? [String: Any] { out += scalars(params, prefix: "default_generation_settings.params.") }
        }
        return Array(out.prefix(maxConfiguration))
    }

    /// A sample's value as the exposition format writes it: "41", "0.734", "NaN", "+Inf".
    static func value(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    static func cut(_ s: String) -> String {
        let clean = TerminalText.sanitized(s)
        return clean.count > maxValueLength ? String(clean.prefix(maxValueLength)) + "…" : clean
    }
}

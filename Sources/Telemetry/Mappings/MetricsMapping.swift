import MetricsFormats
/// Reads one stack's exposition into an `EngineReading`.
public protocol MetricsMapping: Sendable {
    var stack: Stack { get }
    /// True when the exposition looks like this stack's.
    func detects(_ exposition: Exposition) -> Bool
    func read(_ exposition: Exposition) -> EngineReading
}

public enum MetricsMappings {
    /// In detection order: the most specific first (a vLLM process also exports generic
    /// process metrics; Triton also exports GPU metrics).
    public static let all: [any MetricsMapping] = [
        VLLMMapping(), SGLangMapping(), TGIMapping(), LlamaCppMapping(), TritonMapping(), LiteLLMMapping(), DCGMMapping(),
    ]

    public static func detect(_ exposition: Exposition) -> (any MetricsMapping)? {
        all.first { $0.detects(exposition) }
    }
}

/// Lookups shared by the mappings.
struct FamilyIndex {
    let families: [String: MetricFamily]

    /// Labels that change per process and must not split one server into many series.
    static let volatileLabels: Set<String> = ["pid"]

    init(_ e: Exposition, aliases: [(from: String, to: String)] = []) {
        var map: [String: MetricFamily] = [:]
        for f in e.families {
            var name = f.name
            for a in aliases where name.hasPrefix(a.from) { name = a.to + name.dropFirst(a.from.count) }
            map[name] = map[name] ?? f
        }
        families = map
    }

    /// A family by its OpenMetrics name, or by the name text format 0.0.4 gives a counter
    /// (with `_total`).
    func family(_ name: String) -> MetricFamily? { families[name] ?? families[name + "_total"] }

    func has(_ name: String) -> Bool { family(name) != nil }

    /// Whether any of `names` (or its `_total` spelling) is a family of `e`: detection runs on
    /// every scrape, so it scans the names rather than building an index.
    static func mentions(_ e: Exposition, _ names: [String], aliases: [(from: String, to: String)] = []) -> Bool {
        e.families.contains { f in
            var name = f.name
            for a in aliases where name.hasPrefix(a.from) { name = a.to + name.dropFirst(a.from.count) }
            return names.contains { name == $0 || name == $0 + "_total" }
        }
    }

    /// The sum of a family's plain samples (a counter's `_total`, or a gauge) over all label
    /// sets: one server's engines, ranks and processes add up.
    func sum(_ name: String, where matches: (MetricSample) -> Bool = { _ in true }) -> Double? {
        guard let f = family(name) else { return nil }
        let plain = f.samples.filter { s in
            (s.name == f.name || s.name == f.name + "_total") && matches(s)
        }
        return plain.isEmpty ? nil : plain.reduce(0) { $0 + $1.value }
    }

    /// A counter's total over label sets, like `sum`, and its value per series (labels apart
    /// from volatile ones), for per-series reset handling.
    func counter(_ name: String, where matches: (MetricSample) -> Bool = { _ in true }) -> CounterValue? {
        guard let f = family(name) else { return nil }
        var bySeries: [String: Double] = [:]
        var total = 0.0
        var any = false
        for s in f.samples where (s.name == f.name || s.name == f.name + "_total") && matches(s) {
            any = true
            total += s.value
            let key = s.labels.filter { !Self.volatileLabels.contains($0.name) }.sorted { $0.name < $1.name }
                .map { "\($0.name)=\($0.value)" }.joined(separator: "\u{1F}")
            bySeries[key, default: 0] += s.value
        }
        return any ? CounterValue(total: total, bySeries: bySeries) : nil
    }

    /// The mean of a ratio gauge over label sets (KV use across engines).
    func mean(_ name: String) -> Double? {
        guard let f = family(name) else { return nil }
        let plain = f.samples.filter { $0.name == f.name && $0.value.isFinite }
        return plain.isEmpty ? nil : plain.reduce(0) { $0 + $1.value } / Double(plain.count)
    }

    func histogram(_ name: String) -> Histogram? {
        guard let f = family(name) else { return nil }
        // Several label sets (engines) add up into one server-wide histogram: one pass groups
        // the samples by their labels apart from `le` and the volatile ones. Groups are few
        // (one per engine), so a linear search with an allocation-free comparison beats hashing.
        var groups: [(first: Int, members: [Int])] = []
        for (k, s) in f.samples.enumerated() {
            if let i = groups.firstIndex(where: { Self.sameSeries(f.samples[$0.first].labels, s.labels) }) {
                groups[i].members.append(k)
            } else {
                groups.append((k, [k]))
            }
        }
        return Histogram.merged(groups.compactMap { Histogram.from(name: f.name, samples: f.samples, indices: $0.members) })
    }

    static func ignoredInSeries(_ l: Label) -> Bool { l.name == "le" || volatileLabels.contains(l.name) }

    /// Equal label sets once `le` and volatile labels are left out, in any order.
    static func sameSeries(_ a: [Label], _ b: [Label]) -> Bool {
        var i = 0, j = 0
        var inOrder = true
        while true {
            while i < a.count, ignoredInSeries(a[i]) { i += 1 }
            while j < b.count, ignoredInSeries(b[j]) { j += 1 }
            if i == a.count || j == b.count { if i == a.count && j == b.count { return true }; inOrder = false; break }
            if a[i] != b[j] { inOrder = false; break }
            i += 1; j += 1
        }
        if inOrder { return true }
        let ka = a.filter { !ignoredInSeries($0) }.sorted { $0.name < $1.name }
        let kb = b.filter { !ignoredInSeries($0) }.sorted { $0.name < $1.name }
        return ka == kb
    }

    /// Distinct values of a label across the given families, e.g. the models served.
    func labelValues(_ label: String, in names: [String]) -> [String] {
        var seen: [String] = []
        for n in names {
            for s in family(n)?.samples ?? [] {
                if let v = s.label(label), !v.isEmpty, !seen.contains(v) { seen.append(v) }
            }
        }
        return seen
    }
}

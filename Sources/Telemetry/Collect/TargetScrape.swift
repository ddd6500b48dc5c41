import MetricsFormats

/// One scrape of one target, read where it was fetched (parsed, its serving stack detected,
/// mapped): what a target's task hands the aggregator, which only stores it.
public enum TargetScrape: Sendable {
    /// The target answered and its serving stack was recognised.
    case reading(EngineReading, stack: Stack, parse: ParseSummary, duration: Double)
    /// The target answered with nothing the console can read: empty, garbage, or no known stack.
    case unreadable(reason: String, parse: ParseSummary)
    /// The fetch failed (refused, timed out, HTTP error, too large).
    case failed(String)

    /// What the parser made of a page.
    public struct ParseSummary: Sendable, Equatable {
        public var samples: Int
        public var issues: Int
        /// The first problem and how many more, for the Sources screen; nil for a clean page.
        public var note: String?
    }

    /// Parses, detects and maps one fetch's page (or passes its failure on).
    public init(_ fetch: Result<MetricsScraper.Success, ScrapeFailure>) {
        switch fetch {
        case .failure(let f):
            self = .failed(f.reason)
        case .success(let s):
            let e = PrometheusTextParser.parse(s.body, format: s.openMetrics ? .openMetrics : .prometheusText)
            let parse = ParseSummary(samples: e.sampleCount, issues: e.issueCount,
                                     note: e.issues.first.map { "parse error at \($0)" + (e.issueCount > 1 ? " (+\(e.issueCount - 1) more)" : "") })
            guard let mapping = MetricsMappings.detect(e) else {
                self = .unreadable(reason: e.sampleCount == 0 ? (parse.note ?? "empty response") : "no known serving stack in \(e.sampleCount) samples",
                                   parse: parse)
                return
            }
            self = .reading(mapping.read(e), stack: mapping.stack, parse: parse, duration: s.duration)
        }
    }
}

/// One INFO poll of a response cache, as the aggregator keeps it.
public struct CacheReading: Sendable, Equatable {
    public var hits: Int?
    public var misses: Int?
    public var fields: Int
    public var issues: Int

    public init(_ info: RedisInfo) {
        hits = info.keyspaceHits; misses = info.keyspaceMisses; fields = info.fields.count; issues = info.issues.count
    }

    /// Hit rate over the interval since `previous` from the counters' deltas; nil when nothing
    /// was looked up or the server restarted (counters went backwards).
    public func hitRate(since previous: CacheReading) -> Double? {
        guard let h1 = hits.map(Double.init), let m1 = misses.map(Double.init),
              let h0 = previous.hits.map(Double.init), let m0 = previous.misses.map(Double.init),
              h0 >= 0, m0 >= 0, h1 >= h0, m1 >= m0 else { return nil }
        let lookups = (h1 - h0) + (m1 - m0)
        return lookups > 0 ? (h1 - h0) / lookups : nil
    }
}

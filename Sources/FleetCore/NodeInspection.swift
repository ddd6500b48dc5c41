import Foundation

/// One node opened down to what its engine exports, fetched when asked (`i`), as k9s'
/// describe does: every series as the engine wrote it, the engine's configuration where it
/// exports one, and what was wrong with the page. Not part of snapshots or recordings.
public struct NodeInspection: Sendable, Equatable {
    /// One entry of the engine's configuration.
    public struct Setting: Sendable, Equatable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    public var node: String
    /// Where it was read (a URL, credentials redacted).
    public var source: String
    /// Unix seconds of the fetch.
    public var fetchedAt: Double
    /// The detected stack and the console's reading of the page (`fleetdeck check`'s summary).
    public var summary: [String]
    /// `name{labels} value`, one per series, in the page's order.
    public var series: [String]
    /// The engine's configuration: vLLM's `cache_config_info` labels, llama.cpp's `/props`.
    public var configuration: [Setting]
    /// Parse problems with their lines, and anything the fetch could not get.
    public var problems: [String]
    /// Why nothing could be read; nil when the page came.
    public var failure: String?

    public init(node: String, source: String, fetchedAt: Double, summary: [String] = [], series: [String] = [],
                configuration: [Setting] = [], problems: [String] = [], failure: String? = nil) {
        self.node = node; self.source = source; self.fetchedAt = fetchedAt; self.summary = summary; self.series = series
        self.configuration = configuration; self.problems = problems; self.failure = failure
    }

    /// Every line the inspection view lists, in its sections, for a search to narrow down.
    public var lines: [(section: String, text: String)] {
        summary.map { ("summary", $0) } + problems.map { ("problems", $0) }
            + configuration.map { ("configuration", "\($0.key) = \($0.value)") } + series.map { ("series", $0) }
    }
}

/// Fetches a node's inspection. A source that can (a scrape of real servers) offers one; the
/// console asks it off the render thread and shows the answer when it comes.
public protocol NodeInspector: Sendable {
    func inspect(node: String) async -> NodeInspection
}

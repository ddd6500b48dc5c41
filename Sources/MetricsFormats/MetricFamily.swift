/// What a metrics exposition says, format-independent: families of samples with their type,
/// help and unit. Produced by the parsers, consumed by the per-stack mappings.
public enum MetricType: String, Sendable, CaseIterable {
    case counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown

    /// The sample-name suffixes a family of this type may carry (OpenMetrics §"Suffixes"; the
    /// text format uses the same ones, and a counter's TYPE line may already end in _total).
    var suffixes: [String] {
        switch self {
        case .counter: return Self.counterSuffixes
        case .gauge, .stateset, .unknown: return Self.plainSuffixes
        case .histogram: return Self.histogramSuffixes
        case .gaugehistogram: return Self.gaugeHistogramSuffixes
        case .summary: return Self.summarySuffixes
        case .info: return Self.infoSuffixes
        }
    }

    // Stored once: this is asked on every sample.
    private static let counterSuffixes = ["", "_total", "_created"]
    private static let plainSuffixes = [""]
    private static let histogramSuffixes = ["_bucket", "_count", "_sum", "_created"]
    private static let gaugeHistogramSuffixes = ["_bucket", "_gcount", "_gsum"]
    private static let summarySuffixes = ["", "_count", "_sum", "_created"]
    private static let infoSuffixes = ["_info", ""]
}

public struct Label: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) { self.name = name; self.value = value }

    public var description: String { "\(name)=\"\(value)\"" }
}

public struct Exemplar: Sendable, Equatable {
    public var labels: [Label]
    public var value: Double
    public var timestamp: Double?
}

public struct MetricSample: Sendable, Equatable {
    /// The full sample name, suffix included (`..._bucket`).
    public var name: String
    public var labels: [Label]
    public var value: Double
    /// Seconds since the epoch, when the exposition gave one.
    public var timestamp: Double?
    public var exemplar: Exemplar?
    /// 1-based line in the payload, for error messages downstream.
    public var line: Int

    public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }
}

public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var type: MetricType
    public var help: String?
    public var unit: String?
    public var samples: [MetricSample]
}

/// Something wrong at one line. Parsing goes on: one bad line must not blank a whole node.
public struct ParseIssue: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) { self.line = line; self.message = message }

    public var description: String { "line \(line): \(message)" }
}

public struct Exposition: Sendable {
    public var families: [MetricFamily]
    /// The first `PrometheusTextParser.keptIssues` problems, in line order.
    public var issues: [ParseIssue]
    /// Every problem found, kept or not.
    public var issueCount: Int

    public init(families: [MetricFamily], issues: [ParseIssue], issueCount: Int? = nil) {
        self.families = families; self.issues = issues; self.issueCount = issueCount ?? issues.count
    }

    public var sampleCount: Int { families.reduce(0) { $0 + $1.samples.count } }

    public func family(_ name: String) -> MetricFamily? { families.first { $0.name == name } }
}

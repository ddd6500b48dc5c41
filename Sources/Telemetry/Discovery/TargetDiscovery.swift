import FleetCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `watch` finds targets besides its static list: Prometheus' `file_sd_configs` (files
/// or globs, re-read when one changes and on their refresh interval) and `http_sd_configs`
/// (a URL, fetched on its refresh interval). Each provider keeps its last good set when a read
/// fails, and says why on the Sources screen. Driven by one task of the scrape loop.
public final class TargetDiscovery: @unchecked Sendable {
    public struct Config: Sendable, Equatable {
        public struct FileSD: Sendable, Equatable {
            public var files: [String]
            public var refresh: Double
            public init(files: [String], refresh: Double = 300) { self.files = files; self.refresh = refresh }
        }

        public struct HTTPSD: Sendable, Equatable {
            public var url: String
            public var refresh: Double
            /// A whole `Authorization` header value (Bearer or Basic), read from a file or the
            /// environment as a target's is.
            public var authorization: String?
            public init(url: String, refresh: Double = 60, authorization: String? = nil) {
                self.url = url; self.refresh = refresh; self.authorization = authorization
            }
        }

        public var files: [FileSD] = []
        public var http: [HTTPSD] = []
        /// The target-group labels that name a target's pool and node.
        public var poolLabel = "pool"
        public var nodeLabel = "instance"

        public init() {}
        public var isEmpty: Bool { files.isEmpty && http.isEmpty }
    }

    /// One provider's state, for the Sources screen.
    public struct ProviderStatus: Sendable, Equatable {
        public var id: String
        public var address: String
        public var targets: Int
        public var lastSuccess: Double?
        public var reads: Int
        public var failures: Int
        /// Why the last read failed (the last good set is kept), or what was skipped.
        public var problem: String?
    }

    private struct Provider {
        enum Source { case files(String), http(String, authorization: String?) }
        var source: Source
        var refresh: Double
        var groups: [TargetGroup] = []
        var nextRead = -Double.infinity
        /// Each matched file's modification time and size, to notice a change between refreshes.
        var fingerprint: [String: [Int]] = [:]
        var status: ProviderStatus
    }

    public let config: Config
    private var providers: [Provider]
    public private(set) var targets = DiscoveredTargets([], poolLabel: "pool", nodeLabel: "instance")

    public init(config: Config) {
        self.config = config
        providers = config.files.flatMap { sd in
            sd.files.map { Provider(source: .files($0), refresh: sd.refresh,
                                    status: ProviderStatus(id: "file_sd", address: $0, targets: 0, reads: 0, failures: 0)) }
        } + config.http.map {
            Provider(source: .http($0.url, authorization: $0.authorization), refresh: $0.refresh,
                     status: ProviderStatus(id: "http_sd", address: WatchConfig.redacted($0.url), targets: 0, reads: 0, failures: 0))
        }
    }

    public var statuses: [ProviderStatus] { providers.map(\.status) }

    /// Reads every provider that is due (its refresh interval passed, or a file changed);
    /// true when the targets changed. `fetch` gets an http_sd document's bytes (URL, and the
    /// Authorization header to send).
    public func refresh(at now: Double, fetch: (String, String?) async -> Result<[UInt8], ScrapeFailure>) async -> Bool {
        var read = false
        for i in providers.indices {
            switch providers[i].source {
            case .files(let pattern):
                let paths = Self.expand(pattern)
                let fingerprint = Dictionary(uniqueKeysWithValues: paths.map { ($0, Self.fingerprint(of: $0)) })
                guard now >= providers[i].nextRead || fingerprint != providers[i].fingerprint else { continue }
                providers[i].fingerprint = fingerprint
                providers[i].nextRead = now + providers[i].refresh
                read = true
                record(i, at: now, Result { try paths.flatMap(Self.read) })
            case let .http(url, authorization):
                guard now >= providers[i].nextRead else { continue }
                providers[i].nextRead = now + providers[i].refresh
                read = true
                let groups: Result<[TargetGroup], Error>
                switch await fetch(url, authorization) {
                case .success(let body):
                    groups = Result { try TargetGroup.parse(String(decoding: body, as: UTF8.self), source: WatchConfig.redacted(url)) }
                case .failure(let f):
                    groups = .failure(DiscoveryFailure(f.reason))
                }
                record(i, at: now, groups)
            }
        }
        guard read else { return false }
        let merged = DiscoveredTargets(providers.flatMap(\.groups), poolLabel: config.poolLabel, nodeLabel: config.nodeLabel)
        defer { targets = merged }
        return merged.targets != targets.targets
    }

    private func record(_ i: Int, at now: Double, _ result: Result<[TargetGroup], Error>) {
        providers[i].status.reads += 1
        switch result {
        case .success(let groups):
            providers[i].groups = groups
            providers[i].status.lastSuccess = now
            providers[i].status.targets = groups.reduce(0) { $0 + $1.targets.count }
            providers[i].status.problem = nil
        case .failure(let error):
            // The last good set stays: a document being rewritten, or a server restarting,
            // must not empty the fleet.
            providers[i].status.failures += 1
            providers[i].status.problem = TerminalText.sanitized("\(error)") + " (keeping the last good set)"
        }
    }

    /// The largest document read, as for an http_sd answer.
    static let maxDocumentBytes = 16 << 20

    /// One file's target groups. A file that is not there has none (as Prometheus drops the
    /// groups of a deleted file); one that is not a regular file, or too large, is an error.
    static func read(_ path: String) throws -> [TargetGroup] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { return [] }
            throw DiscoveryFailure("\(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw DiscoveryFailure("\(path): not a regular file") }
        guard Int(st.st_size) <= maxDocumentBytes else { throw DiscoveryFailure("\(path): larger than 16 MiB") }
        guard let data = FileManager.default.contents(atPath: path) else { throw DiscoveryFailure("\(path): cannot read the file") }
        return try TargetGroup.parse(String(decoding: data, as: UTF8.self), source: path)
    }

    /// The files a pattern names now: itself, or what its glob matches (sorted).
    static func expand(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else { return [pattern] }
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    static func fingerprint(of path: String) -> [Int] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [] }
        return [Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec), Int(st.st_size), Int(st.st_ino)]
    }
}

struct DiscoveryFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

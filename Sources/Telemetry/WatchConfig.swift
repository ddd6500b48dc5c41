import MetricsFormats
import FleetCore
import Foundation

/// The part of the user's config that says what to watch:
///
///     scrape:
///       interval_ms: 1000
///       timeout_ms: 2000
///       file_sd_configs: [{files: ["/etc/fleet/targets/*.json"], refresh_interval: 5m}]
///       http_sd_configs: [{url: "http://sd.internal/targets", refresh_interval: 60s}]
///       pool_label: pool          # the target-group labels that name pool and node
///       node_label: instance
///     targets:
///       - {url: "http://10.0.0.7:8000/metrics", node: vllm-0, pool: chat}
///     pools:
///       - {id: chat, slo: [{metric: e2e, percentile: 95, target_ms: 2000}]}
public struct WatchConfig: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var url: String
        public var node: String
        public var pool: String
        /// The `Authorization` header value, if the target wants one.
        public var authorization: String?

        public init(url: String, node: String, pool: String, authorization: String? = nil) {
            self.url = url; self.node = node; self.pool = pool; self.authorization = authorization
        }
    }

    /// A Redis response cache in front of a pool, polled with INFO.
    public struct Redis: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var pool: String
        public var username: String?
        /// From `password_file` or `password_env`, never from the config text itself.
        public var password: String?

        public init(host: String, port: Int, pool: String, username: String? = nil, password: String? = nil) {
            self.host = host; self.port = port; self.pool = pool; self.username = username; self.password = password
        }
    }

    public struct Pool: Sendable, Equatable {
        public var id: String
        public var objectives: [SLOObjective]
        /// Dollars per node-hour (all its GPUs), for the cost panel.
        public var nodeHourPrice: Double?

        public init(id: String, objectives: [SLOObjective], nodeHourPrice: Double? = nil) {
            self.id = id; self.objectives = objectives; self.nodeHourPrice = nodeHourPrice
        }
    }

    /// What the same tokens would cost on a hosted API, to compare against (`api_baseline:`).
    public var apiBaseline: APIPrice?

    public var interval: Double = 1
    public var timeout: Double = 2
    public var targets: [Target] = []
    /// Targets found by Prometheus' file and HTTP service discovery, besides `targets`.
    public var discovery = TargetDiscovery.Config()
    public var redis: [Redis] = []
    /// Ask this Prometheus-compatible API instead of scraping targets one by one.
    public var prometheus: PrometheusQuerySource.Config?
    /// NDJSON streams (Docs/ndjson-format.md): followed files and a loopback port.
    public var streamFiles: [String] = []
    public var streamPort: Int?
    public var pools: [Pool] = []
    /// For https:// targets and query APIs.
    public var tls: TLSSettings?
    /// `alerts:`: rules over the pools' signals, burn-rate alerts, the bell and the webhook.
    public var alerts = AlertSettings()

    public init() {}

    /// Whether the config names anything to watch.
    public var hasSource: Bool {
        !targets.isEmpty || !discovery.isEmpty || prometheus != nil || !streamFiles.isEmpty || streamPort != nil
    }

    public static let keys: Set<String> = ["scrape", "targets", "redis", "prometheus", "streams", "pools", "tls", "api_baseline",
                                           "alerts"]

    /// A URL for the screen: any `user:password@` part removed.
    public static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.user != nil || c.password != nil else { return url }
        c.user = nil
        c.password = nil
        return c.string ?? url
    }

    /// Credentials come from a file or an environment variable named in the config, so they
    /// never sit in the config itself, in shell history or in `ps`.
    static func secret(file: YAMLValue?, env: YAMLValue?) throws -> String? {
        try YAMLValue.secret(file: file, env: env)
    }

    static func authorization(_ t: YAMLValue) throws -> String? {
        if let token = try secret(file: t.optional("bearer_token_file"), env: t.optional("bearer_token_env")) {
            return "Bearer \(token)"
        }
        if let b = try t.optional("basic_auth") {
            try b.allowKeys(["username", "password_file", "password_env"])
            let user = try b.required("username").string()
            guard let password = try secret(file: b.optional("password_file"), env: b.optional("password_env")) else {
                throw b.error("basic_auth needs password_file or password_env")
            }
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        return nil
    }

    /// `file_sd_configs` and `http_sd_configs` under `scrape:`, as Prometheus writes them.
    static func discovery(_ s: YAMLValue) throws -> TargetDiscovery.Config {
        var d = TargetDiscovery.Config()
        func label(_ key: String, _ fallback: String) throws -> String {
            guard let v = try s.optional(key) else { return fallback }
            let name = try v.string()
            guard TargetGroup.isLabelName(name) else { throw v.error("'\(TerminalText.sanitized(name))' is not a label name") }
            return name
        }
        d.poolLabel = try label("pool_label", "pool")
        d.nodeLabel = try label("node_label", "instance")
        for f in try s.optional("file_sd_configs")?.array() ?? [] {
            try f.allowKeys(["files", "refresh_interval"])
            let files = try f.required("files").array().map { try $0.string() }
            guard !files.isEmpty else { throw try f.required("files").error("name at least one file or glob") }
            d.files.append(.init(files: files, refresh: try f.optional("refresh_interval").map(duration) ?? 300))
        }
        for h in try s.optional("http_sd_configs")?.array() ?? [] {
            try h.allowKeys(["url", "refresh_interval", "bearer_token_file", "bearer_token_env", "basic_auth"])
            let url = try httpURL(h.required("url"))
            d.http.append(.init(url: url, refresh: try h.optional("refresh_interval").map(duration) ?? 60,
                                authorization: try authorization(h)))
        }
        return d
    }

    /// An http:// or https:// URL with a host.
    static func httpURL(_ v: YAMLValue) throws -> String {
        let url = try v.string()
        guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
            throw v.error("expected an http:// or https:// URL")
        }
        return url
    }

    /// A Prometheus duration ("30s", "5m", "1h30m", "1m30s500ms"), in seconds: 1 s to a day.
    static func duration(_ v: YAMLValue) throws -> Double {
        let text = try v.string()
        guard let seconds = prometheusDuration(text) else { throw v.error("expected a duration such as 30s, 5m or 1h30m") }
        guard (1...86_400).contains(seconds) else { throw v.error("\(text) is outside 1s...1d") }
        return seconds
    }

    /// Prometheus' duration syntax ("30s", "5m", "1h30m"), in seconds; nil otherwise.
    public static func prometheusDuration(_ text: String) -> Double? { PrometheusDuration.seconds(text) }

    /// Reads the watch keys of a config document (the caller checks the others).
    public static func read(_ doc: YAMLValue) throws -> WatchConfig {
        var c = WatchConfig()
        if let s = try doc.optional("scrape") {
            try s.allowKeys(["interval_ms", "timeout_ms", "file_sd_configs", "http_sd_configs", "pool_label", "node_label"])
            c.interval = (try s.optional("interval_ms")?.double(in: 100...3_600_000) ?? 1000) / 1000
            c.timeout = (try s.optional("timeout_ms")?.double(in: 50...600_000) ?? 2000) / 1000
            c.discovery = try discovery(s)
        }
        var seen = Set<String>()
        for t in try doc.optional("targets")?.array() ?? [] {
            try t.allowKeys(["url", "node", "pool", "bearer_token_file", "bearer_token_env", "basic_auth"])
            let url = try httpURL(t.required("url"))
            let u = URL(string: url)!
            let node = try t.optional("node")?.string() ?? (u.host! + (u.port.map { ":\($0)" } ?? ""))
            guard seen.insert(node).inserted else { throw t.error("two targets are called '\(node)'") }
            c.targets.append(Target(url: url, node: node, pool: try t.optional("pool")?.string() ?? "default",
                                    authorization: try authorization(t)))
        }
        if let p = try doc.optional("prometheus") {
            try p.allowKeys(["url", "node_label", "pool_label"])
            let url = try httpURL(p.required("url"))
            c.prometheus = .init(url: url, nodeLabel: try p.optional("node_label")?.string() ?? "instance",
                                 poolLabel: try p.optional("pool_label")?.string() ?? "job")
        }
        if let t = try doc.optional("tls") {
            try t.allowKeys(["ca_file", "cert_file", "key_file", "insecure_skip_verify"])
            var tls = TLSSettings()
            func readable(_ key: String) throws -> String? {
                guard let v = try t.optional(key) else { return nil }
                let path = try v.string()
                guard FileManager.default.isReadableFile(atPath: path) else { throw v.error("cannot read \(path)") }
                return path
            }
            tls.caFile = try readable("ca_file")
            tls.certFile = try readable("cert_file")
            tls.keyFile = try readable("key_file")
            if (tls.certFile == nil) != (tls.keyFile == nil) { throw t.error("cert_file and key_file go together") }
            tls.insecureSkipVerify = try t.optional("insecure_skip_verify")?.bool() ?? false
            do { _ = try tls.configuration() } catch { throw t.error("unusable TLS settings: \(error)") }
            c.tls = tls
        }
        if let s = try doc.optional("streams") {
            try s.allowKeys(["files", "listen_port"])
            c.streamFiles = try (s.optional("files")?.array() ?? []).map { try $0.string() }
            c.streamPort = try s.optional("listen_port")?.int(in: 1...65535)
        }
        for r in try doc.optional("redis")?.array() ?? [] {
            try r.allowKeys(["address", "pool", "username", "password_file", "password_env"])
            let av = try r.required("address")
            let parts = try av.string().split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw av.error("expected host:port")
            }
            let username = try r.optional("username")?.string()
            let password = try secret(file: r.optional("password_file"), env: r.optional("password_env"))
            if username != nil && password == nil { throw r.error("username needs password_file or password_env") }
            c.redis.append(Redis(host: String(parts[0]), port: port, pool: try r.optional("pool")?.string() ?? "default",
                                 username: username, password: password))
        }
        let kinds = [!c.targets.isEmpty || !c.discovery.isEmpty || !c.redis.isEmpty, c.prometheus != nil, !c.streamFiles.isEmpty || c.streamPort != nil]
        if kinds.filter({ $0 }).count > 1 {
            throw doc.error("use one kind of source per config: targets and service discovery (with redis), prometheus, or streams")
        }
        for p in try doc.optional("pools")?.array() ?? [] {
            try p.allowKeys(["id", "slo", "node_hour_price"])
            let objectives = try p.optional("slo").map { try SLOObjective.list(from: $0) } ?? []
            c.pools.append(Pool(id: try p.required("id").string(), objectives: objectives,
                                nodeHourPrice: try p.optional("node_hour_price")?.double(in: 0...10_000)))
        }
        if let b = try doc.optional("api_baseline") {
            try b.allowKeys(["input_per_million", "output_per_million"])
            c.apiBaseline = APIPrice(inputPerMillion: try b.required("input_per_million").double(in: 0...10_000),
                                     outputPerMillion: try b.required("output_per_million").double(in: 0...10_000))
        }
        if let a = try doc.optional("alerts") { c.alerts = try AlertSettings.read(a) }
        return c
    }
}

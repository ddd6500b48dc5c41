import FleetCore
import Foundation
import Scheduler
import Synchronization

/// What `fleetdeck simulate --serve` shows: the simulated nodes as vLLM /metrics pages and a
/// Prometheus HTTP service-discovery document listing them. The simulation task calls
/// `update` after every sample; request handlers call `respond` from NIO's threads.
public final class ServedFleet: Sendable {
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: String
        /// Where a redirect points.
        public var location: String?

        public init(status: Int, contentType: String, body: String, location: String? = nil) {
            self.status = status; self.contentType = contentType; self.body = body; self.location = location
        }
    }

    /// What the connection does with a request: answer, or misbehave (`--hostile`).
    public enum Reply: Sendable, Equatable {
        case answer(Response)
        /// The response's headers at once, then its body a byte every 200 ms.
        case trickle(Response)
        case silence
        case reset
    }

    /// The nodes in scenario order and by id, replaced together.
    private let fleet = Mutex<(order: [String], byID: [String: NodeExposition], index: [String: Int])>(([], [:], [:]))
    private let address: Mutex<String>
    /// Misbehaving nodes, from the time the fleet was made.
    public let hostile: HostileRotation?
    private let started = ContinuousClock.now

    /// host:port as Prometheus should reach the server (what the SD document lists); set once
    /// the server is bound, as a requested port 0 is known only then.
    public var advertisedAddress: String {
        get { address.withLock { $0 } }
        set { address.withLock { $0 = newValue } }
    }

    public init(advertisedAddress: String, hostile: HostileRotation? = nil) {
        address = Mutex(advertisedAddress)
        self.hostile = hostile
    }

    public func update(_ expositions: [NodeExposition]) {
        let byID = Dictionary(expositions.map { ($0.node, $0) }, uniquingKeysWith: { _, b in b })
        let index = Dictionary(expositions.enumerated().map { ($1.node, $0) }, uniquingKeysWith: { a, _ in a })
        fleet.withLock { $0 = (expositions.map(\.node), byID, index) }
    }

    /// `respond`, unless the node asked for misbehaves now.
    public func reply(method: String, uri: String) -> Reply {
        guard let hostile, let id = Self.node(inMetricsPath: uri),
              let index = fleet.withLock({ $0.index[id] }) else { return .answer(respond(method: method, uri: uri)) }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let text = "text/plain; version=0.0.4; charset=utf-8"
        switch hostile.misbehaviour(ofNodeAt: index, at: seconds) {
        case nil: return .answer(respond(method: method, uri: uri))
        case .trickle: return .trickle(Response(status: 200, contentType: text, body: String(repeating: "#", count: 1000)))
        case .silence: return .silence
        case .reset: return .reset
        case .flood: return .answer(Response(status: 200, contentType: text, body: HostilePayloads.flood))
        case .labelBomb: return .answer(Response(status: 200, contentType: text, body: HostilePayloads.labelBomb))
        case .absurdNumbers: return .answer(Response(status: 200, contentType: text, body: HostilePayloads.absurdNumbers))
        case .escapes: return .answer(Response(status: 200, contentType: text, body: HostilePayloads.escapes))
        case .redirect:
            return .answer(Response(status: 302, contentType: "text/plain", body: "moved\n", location: "http://127.0.0.2:9/metrics"))
        }
    }

    /// The node of a `/nodes/NODE/metrics` path.
    static func node(inMetricsPath uri: String) -> String? {
        let path = uri.split(separator: "?", maxSplits: 1).first ?? ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[1] == "nodes", parts[3] == "metrics" else { return nil }
        return String(parts[2]).removingPercentEncoding ?? String(parts[2])
    }

    public static func metricsPath(ofNode id: String) -> String {
        "/nodes/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id)/metrics"
    }

    public func respond(method: String, uri: String) -> Response {
        guard method == "GET" || method == "HEAD" else {
            return Response(status: 405, contentType: "text/plain; charset=utf-8", body: "only GET\n")
        }
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        if path == "/targets" { return serviceDiscovery() }
        if path == "/" { return index() }
        if let id = Self.node(inMetricsPath: path) {
            guard let e = fleet.withLock({ $0.byID[id] }) else {
                return Response(status: 404, contentType: "text/plain; charset=utf-8", body: "no node \(TerminalText.sanitized(id))\n")
            }
            // A crashed node's server does not answer; 503 is what a load balancer in front says.
            if e.state == .down {
                return Response(status: 503, contentType: "text/plain; charset=utf-8", body: "node \(id) is down\n")
            }
            return Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                            body: VLLMExpositionWriter.render(e))
        }
        return Response(status: 404, contentType: "text/plain; charset=utf-8", body: "not found; try / for the list\n")
    }

    /// Prometheus `http_sd_configs` format: a JSON array of target groups. Every node is the
    /// same host:port with its own `__metrics_path__`; `instance` and `job` are set to the
    /// node and its pool so series from different nodes never collide.
    func serviceDiscovery() -> Response {
        let (ids, map) = fleet.withLock { ($0.order, $0.byID) }
        let groups: [[String: Any]] = ids.compactMap { id in
            guard let e = map[id] else { return nil }
            return ["targets": [advertisedAddress],
                    "labels": ["__metrics_path__": Self.metricsPath(ofNode: id), "instance": id, "job": e.pool,
                               "pool": e.pool, "model": e.model, "version": e.version]]
        }
        let data = (try? JSONSerialization.data(withJSONObject: groups, options: [.sortedKeys])) ?? Data("[]".utf8)
        return Response(status: 200, contentType: "application/json", body: String(decoding: data, as: UTF8.self))
    }

    func index() -> Response {
        let ids = fleet.withLock { $0.order }
        var body = "fleetdeck simulate --serve: \(ids.count) simulated vLLM nodes\n"
        body += "service discovery (Prometheus http_sd_configs): http://\(advertisedAddress)/targets\n\n"
        for id in ids { body += "http://\(advertisedAddress)\(Self.metricsPath(ofNode: id))\n" }
        return Response(status: 200, contentType: "text/plain; charset=utf-8", body: body)
    }
}

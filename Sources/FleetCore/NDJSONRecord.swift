/// fleetdeck's own stream format (Docs/ndjson-format.md): one JSON object per line, either a
/// node's figures or an event. For exporters that are not Prometheus-shaped: a sidecar, a
/// batch job, a script.
public enum NDJSONRecord: Sendable, Equatable {
    public struct NodeRecord: Sendable, Equatable {
        public var time: Double?
        public var node: String
        public var pool: String
        public var state: NodeState
        public var reason: String?
        public var engine: String?
        public var model: String?
        public var version: String?
        public var running: Int?
        public var waiting: Int?
        public var kvCache: Double?
        public var tokensPerSecond: Double?
        public var promptTokensPerSecond: Double?
        public var prefixHitRate: Double?
        public var preemptionsPerSecond: Double?
        public var gpus: [GPUSnapshot]
        public var ttft: [Double]
        public var e2e: [Double]
        public var costPerHour: Double?

        public init(time: Double?, node: String, pool: String, state: NodeState, reason: String?, engine: String?,
                    model: String?, version: String?, running: Int?, waiting: Int?, kvCache: Double?,
                    tokensPerSecond: Double?, promptTokensPerSecond: Double?, prefixHitRate: Double?,
                    preemptionsPerSecond: Double?, gpus: [GPUSnapshot], ttft: [Double], e2e: [Double], costPerHour: Double?) {
            self.time = time; self.node = node; self.pool = pool; self.state = state; self.reason = reason
            self.engine = engine; self.model = model; self.version = version; self.running = running; self.waiting = waiting
            self.kvCache = kvCache; self.tokensPerSecond = tokensPerSecond; self.promptTokensPerSecond = promptTokensPerSecond
            self.prefixHitRate = prefixHitRate; self.preemptionsPerSecond = preemptionsPerSecond; self.gpus = gpus
            self.ttft = ttft; self.e2e = e2e; self.costPerHour = costPerHour
        }
    }

    case node(NodeRecord)
    case event(time: Double?, severity: FleetEvent.Severity, message: String, pool: String?, node: String?)
}

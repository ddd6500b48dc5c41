/// The autoscalers the advisor is compared with, as they are deployed in front of vLLM: a
/// rule on a scraped signal per replica, a stabilisation window each way, one replica per
/// decision, between a floor and a ceiling.
public struct ThresholdAutoscaler: Sendable, Equatable {
    public enum Signal: String, Sendable, CaseIterable {
        /// KEDA's or an HPA's external metric on `vllm:num_requests_waiting`: up while more than
        /// `upWaiting` requests wait per replica, down while fewer than `downWaiting` do.
        case queue
        /// llm-d's workload-variant autoscaler's signals: up while the mean KV-cache usage is
        /// over `upKV` or requests queue past `upWaiting` per replica; down only while the
        /// cache is under `downKV` and nothing waits.
        case kvAndQueue = "kv_queue"
    }

    public var signal: Signal
    public var upWaiting = 2.0
    public var downWaiting = 0.2
    public var upKV = 0.8
    public var downKV = 0.4
    /// Seconds a wish must hold before it is acted on: HPA's defaults are 0 up and 300 down;
    /// a scrape-and-act loop needs about 30 s to see a trend at all.
    public var scaleUpAfter = 30.0
    public var scaleDownAfter = 300.0
    public var minReplicas = 1
    public var maxReplicas: Int

    private var upFor: [String: Double] = [:]
    private var downFor: [String: Double] = [:]

    public init(signal: Signal, maxReplicas: Int) {
        self.signal = signal; self.maxReplicas = maxReplicas
    }

    /// Its thresholds, as a line of the backtest's table.
    public var settingsText: String {
        switch signal {
        case .queue:
            return String(format: "waiting/replica up >%g, down <%g for %.0fs", upWaiting, downWaiting, scaleDownAfter)
        case .kvAndQueue:
            return String(format: "KV up >%.0f%% or waiting/replica >%g, down <%.0f%% for %.0fs", upKV * 100, upWaiting, downKV * 100, scaleDownAfter)
        }
    }

    /// The settings an operator would try, from the tightest (most replicas, best latency) to
    /// the loosest: the backtest keeps the cheapest that meets the SLO, so the advisor is
    /// compared with each autoscaler tuned, not with a default that happens to fit badly.
    public static func variants(_ signal: Signal, maxReplicas: Int) -> [ThresholdAutoscaler] {
        var out: [ThresholdAutoscaler] = []
        switch signal {
        case .queue:
            for up in [0.1, 0.5, 2.0] {
                for down in [300.0, 900.0] {
                    var a = ThresholdAutoscaler(signal: .queue, maxReplicas: maxReplicas)
                    a.upWaiting = up; a.downWaiting = up / 10; a.scaleDownAfter = down
                    out.append(a)
                }
            }
        case .kvAndQueue:
            for (upKV, downKV) in [(0.5, 0.25), (0.65, 0.3), (0.8, 0.4)] {
                for down in [300.0, 900.0] {
                    var a = ThresholdAutoscaler(signal: .kvAndQueue, maxReplicas: maxReplicas)
                    a.upKV = upKV; a.downKV = downKV; a.upWaiting = 0.5; a.scaleDownAfter = down
                    out.append(a)
                }
            }
        }
        return out
    }

    /// +1, −1 or 0 for the pool, given `dt` seconds since the last reading.
    public func wish(_ r: PoolReading) -> Int {
        switch signal {
        case .queue:
            if r.waitingPerReplica > upWaiting { return 1 }
            if r.waitingPerReplica < downWaiting { return -1 }
        case .kvAndQueue:
            if r.kvUsage > upKV || r.waitingPerReplica > upWaiting { return 1 }
            if r.kvUsage < downKV && r.waiting == 0 { return -1 }
        }
        return 0
    }

    public mutating func decide(_ r: PoolReading, dt: Double) -> Int {
        let w = wish(r)
        if w > 0 && r.provisioned < maxReplicas {
            upFor[r.pool, default: 0] += dt; downFor[r.pool] = 0
            if upFor[r.pool]! >= scaleUpAfter { upFor[r.pool] = 0; return 1 }
        } else if w < 0 && r.live > minReplicas && r.provisioned == r.live {
            downFor[r.pool, default: 0] += dt; upFor[r.pool] = 0
            if downFor[r.pool]! >= scaleDownAfter { downFor[r.pool] = 0; return -1 }
        } else {
            upFor[r.pool] = 0; downFor[r.pool] = 0
        }
        return 0
    }
}

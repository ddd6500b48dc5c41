import Foundation
import FleetCore

/// A fleet and the traffic it serves: one of the seed case studies, or a user's own what-if.
/// Loaded from `sample-data/scenarios/NAME.yaml` (format in Docs/scenario-format.md).
public struct Scenario: Sendable {
    /// GPU nodes a fleet may have, counting autoscalers at their maximum (`--nodes` too).
    public static let maxNodes = 10_000

    public var name: String
    public var title: String
    public var description: String
    /// Time of day the simulation starts at, seconds after midnight.
    public var startTimeOfDay: Double
    public var seed: UInt64
    public var apiBaseline: TokenPrice
    public var pools: [PoolSpec]
    public var workload: WorkloadSpec
    public var incidents: [IncidentSpec]
    /// Operator actions on the timeline (a scripted scale-up, degrade modes), as the seed
    /// cases' operators took them.
    public var actions: [ScriptedAction]

    public init(name: String, title: String, description: String, startTimeOfDay: Double, seed: UInt64,
                apiBaseline: TokenPrice, pools: [PoolSpec], workload: WorkloadSpec, incidents: [IncidentSpec],
                actions: [ScriptedAction] = []) {
        self.name = name; self.title = title; self.description = description
        self.startTimeOfDay = startTimeOfDay; self.seed = seed; self.apiBaseline = apiBaseline
        self.pools = pools; self.workload = workload; self.incidents = incidents; self.actions = actions
    }
}

public struct ScriptedAction: Sendable, Equatable {
    public var at: Double
    public var label: String?
    public var action: OperatorAction

    public init(at: Double, label: String?, action: OperatorAction) {
        self.at = at; self.label = label; self.action = action
    }
}

/// Dollars per million tokens.
public struct TokenPrice: Sendable, Equatable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion; self.outputPerMillion = outputPerMillion
    }

    public func cost(input: Double, output: Double) -> Double {
        (input * inputPerMillion + output * outputPerMillion) / 1_000_000
    }
}

public struct PoolSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Self-hosted nodes simulated engine step by engine step.
        case gpu(GPUPoolSpec)
        /// An external API: a latency model and a token price, no nodes.
        case api(APIPoolSpec)
    }

    public var id: String
    public var engine: String
    public var model: ModelSpec
    public var version: String
    public var kind: Kind
    public var objectives: [SLOObjective]
    public var responseCache: ResponseCacheSpec?

    public init(id: String, engine: String, model: ModelSpec, version: String, kind: Kind,
                objectives: [SLOObjective], responseCache: ResponseCacheSpec?) {
        self.id = id; self.engine = engine; self.model = model; self.version = version
        self.kind = kind; self.objectives = objectives; self.responseCache = responseCache
    }
}

public struct GPUPoolSpec: Sendable, Equatable {
    public var gpu: GPUSpec
    public var gpusPerNode: Int
    public var nodes: Int
    public var maxNumSeqs: Int
    public var maxBatchedTokens: Int
    public var gpuMemoryUtilization: Double
    public var maxQueuePerNode: Int
    /// Fixed cost of every engine step (scheduling, kernel launches, all-reduce), seconds.
    public var stepOverhead: Double
    public var prefixCache: PrefixCacheSpec?
    public var router: RouterPolicy
    public var autoscale: AutoscaleSpec?
    /// A node profile for step times (its measured table for `profile.model` when it has
    /// one, else its roofline) instead of the catalogue GPU's roofline.
    public var profile: PoolProfile?
    /// A twin's step time fitted to the watched pool (overrides `profile` and the roofline).
    public var fittedStep: LinearStepModel?
    /// An engine file's settings as they are (block size, cache, budget, host cost), for a
    /// trace replayed over a pool of the nodes `simulate --trace` models one of; nil: vLLM's
    /// defaults with the knobs above.
    public var engine: EngineSettings?
    /// KV blocks per node given outright (a twin's, from the engine), instead of from memory.
    public var kvBlocks: Int?
    /// Seconds a new replica takes to serve, given outright (a twin's); else the model's size decides.
    public var coldStart: Double?
    /// Real replicas the pool's `nodes` stand for, when it is simulated as a slice (a twin of
    /// a big pool, `PoolSlice`); nil: the nodes are the pool.
    public var representedNodes: Int?

    public init(gpu: GPUSpec, gpusPerNode: Int, nodes: Int, maxNumSeqs: Int, maxBatchedTokens: Int,
                gpuMemoryUtilization: Double, maxQueuePerNode: Int, stepOverhead: Double,
                prefixCache: PrefixCacheSpec?, router: RouterPolicy = .leastLoaded, autoscale: AutoscaleSpec? = nil,
                profile: PoolProfile? = nil) {
        self.gpu = gpu; self.gpusPerNode = gpusPerNode; self.nodes = nodes
        self.maxNumSeqs = maxNumSeqs; self.maxBatchedTokens = maxBatchedTokens
        self.gpuMemoryUtilization = gpuMemoryUtilization; self.maxQueuePerNode = maxQueuePerNode
        self.stepOverhead = stepOverhead; self.prefixCache = prefixCache
        self.router = router; self.autoscale = autoscale; self.profile = profile
    }
}

/// A pool's node profile and the profiled model its nodes run (the pool's own shape when the
/// profile did not measure it).
public struct PoolProfile: Sendable, Equatable {
    public var profile: NodeProfile
    public var model: ProfiledModel

    public init(profile: NodeProfile, model: ProfiledModel) { self.profile = profile; self.model = model }
}

/// How a pool's router picks a node for a request.
public enum RouterPolicy: String, Sendable, CaseIterable {
    /// Each live node in turn.
    case roundRobin = "round_robin"
    /// The node with the fewest requests (running and waiting): join the shortest queue.
    case leastLoaded = "least_loaded"
    /// A conversation's later turns to the node that answered its earlier ones (rendezvous
    /// hashing of the session), where its context is still in the prefix cache, unless that
    /// node is much busier than the least loaded: the cache-aware routing of SGLang and llm-d.
    /// Other requests go to the least loaded.
    case prefixAffinity = "prefix_affinity"
}

/// Replicas from the pool's load: see `Autoscaler`.
public struct AutoscaleSpec: Sendable, Equatable {
    public var minReplicas: Int
    public var maxReplicas: Int
    /// Requests (running plus waiting) one replica should carry.
    public var targetPerReplica: Double
    /// Seconds the wish must hold before acting.
    public var scaleUpAfter: Double
    public var scaleDownAfter: Double
    /// Replicas added at most per decision.
    public var step: Int

    public init(minReplicas: Int, maxReplicas: Int, targetPerReplica: Double, scaleUpAfter: Double,
                scaleDownAfter: Double, step: Int) {
        self.minReplicas = minReplicas; self.maxReplicas = maxReplicas; self.targetPerReplica = targetPerReplica
        self.scaleUpAfter = scaleUpAfter; self.scaleDownAfter = scaleDownAfter; self.step = step
    }
}

public struct APIPoolSpec: Sendable, Equatable {
    public var ttftMedian: Double          // seconds
    public var ttftSigma: Double           // lognormal shape
    public var tokensPerSecond: Double     // per request, streaming
    public var price: TokenPrice
    /// The provider's quota, requests per second (one second of burst); nil for none.
    public var rateLimit: Double?

    public init(ttftMedian: Double, ttftSigma: Double, tokensPerSecond: Double, price: TokenPrice, rateLimit: Double? = nil) {
        self.ttftMedian = ttftMedian; self.ttftSigma = ttftSigma
        self.tokensPerSecond = tokensPerSecond; self.price = price; self.rateLimit = rateLimit
    }
}

/// Requests that begin with a shared system prompt reuse its KV blocks on a node that has seen it.
public struct PrefixCacheSpec: Sendable, Equatable {
    public var sharedPrefixTokens: Int
    public var share: Double

    public init(sharedPrefixTokens: Int, share: Double) {
        self.sharedPrefixTokens = sharedPrefixTokens; self.share = share
    }
}

/// A response cache (Redis) in front of a pool: whole answers served at `latency`. Either a
/// fixed hit rate, or `keyed`: answers stored by key, whose hit rate emerges.
public struct ResponseCacheSpec: Sendable, Equatable {
    public var hitRate: Double
    public var latency: Double
    public var keyed: KeyedCacheSpec?

    public init(hitRate: Double, latency: Double, keyed: KeyedCacheSpec? = nil) {
        self.hitRate = hitRate; self.latency = latency; self.keyed = keyed
    }
}

/// `ResponseCacheModel`'s shape: Zipf popularity over `keys` distinct questions, `capacity`
/// stored answers, each kept `ttl` seconds.
public struct KeyedCacheSpec: Sendable, Equatable {
    public var keys: Int
    public var exponent: Double
    public var capacity: Int
    public var ttl: Double

    public init(keys: Int, exponent: Double, capacity: Int, ttl: Double) {
        self.keys = keys; self.exponent = exponent; self.capacity = capacity; self.ttl = ttl
    }
}

public struct LengthDistribution: Sendable, Equatable {
    public var median: Double
    public var sigma: Double
    public var min: Int
    public var max: Int

    public init(median: Double, sigma: Double, min: Int, max: Int) {
        self.median = median; self.sigma = sigma; self.min = min; self.max = max
    }

    /// Lognormal, clipped: LLM prompt and output lengths are heavy-tailed.
    public func sample(_ rng: inout SeededRandom) -> Int {
        let x = median * exp(sigma * rng.standardNormal())
        // Clamp as a Double: an extreme tail must not overflow the conversion.
        return Int(Swift.max(Double(min), Swift.min(Double(max), x.rounded())))
    }
}

public struct RequestClassSpec: Sendable {
    public var name: String
    public var share: Double
    public var priority: Int
    /// Target pools with their traffic weights (a blue/green split has two).
    public var pools: [(pool: String, weight: Double)]
    public var promptTokens: LengthDistribution
    public var outputTokens: LengthDistribution
    /// Conversations: a request of this class opens a session whose later turns follow.
    public var session: SessionSpec?
    /// A recorded trace's requests, by arrival (seconds from the scenario's start): the class's
    /// arrivals and lengths, instead of Poisson arrivals at `share`.
    public var trace: TraceFeed?

    public init(name: String, share: Double, priority: Int, pools: [(pool: String, weight: Double)],
                promptTokens: LengthDistribution, outputTokens: LengthDistribution, trace: TraceFeed? = nil,
                session: SessionSpec? = nil) {
        self.name = name; self.share = share; self.priority = priority; self.pools = pools
        self.promptTokens = promptTokens; self.outputTokens = outputTokens; self.trace = trace; self.session = session
    }
}

/// A multi-turn conversation: turns in all (geometric, at least 1, this mean), and the user's
/// think time between an answer and the next question (exponential, this mean). Each later
/// turn's prompt is the conversation so far plus a new message from `promptTokens`, and it
/// starts with content a node may still hold in its prefix cache.
public struct SessionSpec: Sendable, Equatable {
    public var meanTurns: Double
    public var meanThinkTime: Double

    public init(meanTurns: Double, meanThinkTime: Double) {
        self.meanTurns = meanTurns; self.meanThinkTime = meanThinkTime
    }
}

public struct WorkloadSpec: Sendable {
    /// Requests per second at the daily curve's 1.0.
    public var peakRate: Double
    /// (hour of day, multiplier) points, interpolated linearly and wrapping at midnight.
    public var dailyCurve: [(hour: Double, multiplier: Double)]
    public var classes: [RequestClassSpec]

    public init(peakRate: Double, dailyCurve: [(hour: Double, multiplier: Double)], classes: [RequestClassSpec]) {
        self.peakRate = peakRate; self.dailyCurve = dailyCurve; self.classes = classes
    }

    public func multiplier(atTimeOfDay seconds: Double) -> Double {
        segment(atTimeOfDay: seconds).value
    }

    /// The straight piece of the daily curve at a time of day: the multiplier there, its
    /// change per second, and how many seconds it lasts (infinite for a flat curve). The
    /// simulator keeps one and reads it until it ends, instead of searching at each arrival.
    public func segment(atTimeOfDay seconds: Double) -> (value: Double, slope: Double, remaining: Double) {
        guard let first = dailyCurve.first else { return (1, 0, .infinity) }
        if dailyCurve.count == 1 { return (first.multiplier, 0, .infinity) }
        let h = (seconds / 3600).truncatingRemainder(dividingBy: 24)
        let points = dailyCurve
        var hh = h
        if hh < points[0].hour { hh += 24 }
        for i in 0..<points.count {
            let a = points[i]
            let b = i + 1 < points.count ? points[i + 1] : (hour: points[0].hour + 24, multiplier: points[0].multiplier)
            if hh >= a.hour && hh < b.hour {
                let slope = (b.multiplier - a.multiplier) / ((b.hour - a.hour) * 3600)
                return (a.multiplier + slope * (hh - a.hour) * 3600, slope, (b.hour - hh) * 3600)
            }
        }
        return (points.last!.multiplier, 0, 1)
    }
}

public struct IncidentSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        /// The arrival rate is multiplied by `multiplier`, reached linearly over `ramp` seconds.
        case loadSpike(multiplier: Double, ramp: Double = 0)
        case nodeDown(node: String, reason: String)
        /// The pool's response cache loses every entry (a restart, a flush): it starts cold.
        case cacheFlush(pool: String)
        /// An API tier's provider quota drops to `rps` for the incident's duration.
        case apiQuota(pool: String, rps: Double)
    }
    public var at: Double
    public var duration: Double
    public var label: String
    public var kind: Kind

    public init(at: Double, duration: Double, label: String, kind: Kind) {
        self.at = at; self.duration = duration; self.label = label; self.kind = kind
    }
}

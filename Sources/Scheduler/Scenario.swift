import Foundation
import FleetCore

/// A fleet and the traffic it serves: one of the seed case studies, or a user's own what-if.
/// Loaded from `sample-data/scenarios/NAME.yaml` (format in Docs/scenario-format.md).
public struct Scenario: Sendable {
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
    public var action: FleetAction

    public init(at: Double, label: String?, action: FleetAction) {
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

    public init(gpu: GPUSpec, gpusPerNode: Int, nodes: Int, maxNumSeqs: Int, maxBatchedTokens: Int,
                gpuMemoryUtilization: Double, maxQueuePerNode: Int, stepOverhead: Double,
                prefixCache: PrefixCacheSpec?) {
        self.gpu = gpu; self.gpusPerNode = gpusPerNode; self.nodes = nodes
        self.maxNumSeqs = maxNumSeqs; self.maxBatchedTokens = maxBatchedTokens
        self.gpuMemoryUtilization = gpuMemoryUtilization; self.maxQueuePerNode = maxQueuePerNode
        self.stepOverhead = stepOverhead; self.prefixCache = prefixCache
    }
}

public struct APIPoolSpec: Sendable, Equatable {
    public var ttftMedian: Double          // seconds
    public var ttftSigma: Double           // lognormal shape
    public var tokensPerSecond: Double     // per request, streaming
    public var price: TokenPrice

    public init(ttftMedian: Double, ttftSigma: Double, tokensPerSecond: Double, price: TokenPrice) {
        self.ttftMedian = ttftMedian; self.ttftSigma = ttftSigma
        self.tokensPerSecond = tokensPerSecond; self.price = price
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

/// A response cache (Redis) in front of a pool: whole answers served at `latency`.
public struct ResponseCacheSpec: Sendable, Equatable {
    public var hitRate: Double
    public var latency: Double

    public init(hitRate: Double, latency: Double) { self.hitRate = hitRate; self.latency = latency }
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

    public init(name: String, share: Double, priority: Int, pools: [(pool: String, weight: Double)],
                promptTokens: LengthDistribution, outputTokens: LengthDistribution) {
        self.name = name; self.share = share; self.priority = priority; self.pools = pools
        self.promptTokens = promptTokens; self.outputTokens = outputTokens
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
        case loadSpike(multiplier: Double)
        case nodeDown(node: String, reason: String)
    }
    public var at: Double
    public var duration: Double
    public var label: String
    public var kind: Kind

    public init(at: Double, duration: Double, label: String, kind: Kind) {
        self.at = at; self.duration = duration; self.label = label; self.kind = kind
    }
}

import FleetCore
import Foundation

/// The central router's model (the e-commerce case's ML classifier): multinomial logistic
/// regression from what is known when a request arrives (its class, prompt length and
/// priority) to the tier that should answer it. Its labels come from the simulator: a short
/// fork of the fleet measures each tier's latency and cost per token under the current load,
/// and a request's best tier is the cheapest one whose predicted latency meets its SLO (the
/// fastest when none does). Output length is unknown at routing time, so it shapes the labels
/// but is not a feature: the classifier cannot agree with the simulator everywhere.
public enum RoutingClassifier {
    /// What a tier does to a request under the measured load.
    struct TierModel {
        let pool: String
        /// Time to first token: `ttft + ttftPerPromptToken × prompt` (prefill grows with the prompt).
        let ttft: Double
        var ttftPerPromptToken = 0.0
        let timePerToken: Double
        /// $ per output token (a GPU pool's $/h over its output tokens/s), or the API price.
        let gpuDollarsPerToken: Double?
        let price: TokenPrice?

        func latency(prompt: Int, output: Int) -> Double {
            firstToken(prompt: prompt) + Double(max(0, output - 1)) * timePerToken
        }

        func firstToken(prompt: Int) -> Double { ttft + ttftPerPromptToken * Double(prompt) }

        /// What the class's objective measures: time to the first token, or to the last.
        func measured(_ metric: SLOObjective.Metric, prompt: Int, output: Int) -> Double {
            metric == .ttft ? firstToken(prompt: prompt) : latency(prompt: prompt, output: output)
        }

        func cost(prompt: Int, output: Int) -> Double {
            if let price { return price.cost(input: Double(prompt), output: Double(output)) }
            return Double(output) * (gpuDollarsPerToken ?? 0)
        }
    }

    struct Example {
        var classIndex: Int
        var prompt: Int
        var output: Int
        var priority: Int
        /// Tier index (into the tier list) of the simulator's best route, and of the static split.
        var best: Int
        var split: Int
    }

    /// Trains on `samples` requests drawn from the fleet's workload (70%) and reports on the
    /// rest. Nil when the fleet has a single tier to choose from.
    public static func evaluate(fleet: FleetSimulator, seed: UInt64, samples: Int = 4000, measureSeconds: Double = 60)
        -> RoutingReport? {
        let tiers = measureTiers(fleet, seed: seed, seconds: measureSeconds)
        guard tiers.count > 1 else { return nil }
        let classes = fleet.scenario.workload.classes
        let eligible = classes.indices.map { eligibleTiers(classIndex: $0, fleet: fleet, tiers: tiers) }
        guard eligible.contains(where: { $0.count > 1 }) else { return nil }

        var rng = SeededRandom(seed: seed ^ 0x5EED_0F_2047)
        let shares = classes.map(\.share)
        var examples: [Example] = []
        examples.reserveCapacity(samples)
        for _ in 0..<samples {
            let ci = rng.pick(shares)
            guard !eligible[ci].isEmpty else { continue }
            let prompt = classes[ci].promptTokens.sample(&rng)
            let output = classes[ci].outputTokens.sample(&rng)
            let target = objective(of: ci, fleet: fleet)
            let best = bestTier(eligible[ci], tiers: tiers, prompt: prompt, output: output, objective: target)
            examples.append(Example(classIndex: ci, prompt: prompt, output: output, priority: classes[ci].priority, best: best,
                                    split: staticTier(ci, fleet: fleet, tiers: tiers, rng: &rng) ?? best))
        }
        let cut = examples.count * 7 / 10
        let (train, test) = (examples[..<cut], examples[cut...])
        guard !test.isEmpty else { return nil }
        var model = SoftmaxRegression(featureCount: classes.count + 2, classCount: tiers.count)
        _ = model.train(train.map { SoftmaxRegression.Sample(features: features($0, classes: classes.count), label: $0.best) })

        var agree = 0, staticMiss = 0, modelMiss = 0
        var staticCost = 0.0, modelCost = 0.0
        var chosen = Array(repeating: 0, count: tiers.count)
        for e in test {
            var pick = model.predict(features(e, classes: classes.count))
            // A tier that cannot serve the class (another model) is never taken: the split decides.
            if !eligible[e.classIndex].contains(pick) { pick = e.split }
            if pick == e.best { agree += 1 }
            chosen[pick] += 1
            let target = objective(of: e.classIndex, fleet: fleet)
            staticCost += tiers[e.split].cost(prompt: e.prompt, output: e.output)
            modelCost += tiers[pick].cost(prompt: e.prompt, output: e.output)
            if tiers[e.split].measured(target.metric, prompt: e.prompt, output: e.output) > target.target { staticMiss += 1 }
            if tiers[pick].measured(target.metric, prompt: e.prompt, output: e.output) > target.target { modelMiss += 1 }
        }
        let n = Double(test.count)
        return RoutingReport(model: "logistic regression (\(classes.count + 2) features, \(tiers.count) tiers)",
                             trainedOn: train.count, heldOut: test.count, agreement: Double(agree) / n,
                             savedPerMillion: (staticCost - modelCost) / n * 1_000_000,
                             savedShare: staticCost > 0 ? (staticCost - modelCost) / staticCost : 0,
                             staticMissRate: Double(staticMiss) / n, classifierMissRate: Double(modelMiss) / n,
                             tierShares: tiers.indices.map { (tiers[$0].pool, Double(chosen[$0]) / n) })
    }

    /// Class one-hot, log prompt length, priority.
    static func features(_ e: Example, classes: Int) -> [Double] {
        var x = Array(repeating: 0.0, count: classes + 2)
        x[e.classIndex] = 1
        x[classes] = log(Double(max(1, e.prompt)))
        x[classes + 1] = Double(e.priority)
        return x
    }

    /// Each pool's latency and cost per token, measured in a fork run at the current load.
    static func measureTiers(_ fleet: FleetSimulator, seed: UInt64, seconds: Double) -> [TierModel] {
        let fork = FleetSimulator(forking: fleet, seed: seed)
        fork.follow(ArrivalPath(start: fork.now, step: seconds, rates: [fork.offeredRate]))
        fork.collectReport(logRequests: 50_000)
        fork.advance(to: fork.now + seconds)
        guard let report = fork.report(duration: seconds) else { return [] }
        return fleet.scenario.pools.enumerated().compactMap { pi, spec -> TierModel? in
            guard let p = report.pools.first(where: { $0.pool == spec.id }) else { return nil }
            switch spec.kind {
            case .api(let a):
                return TierModel(pool: spec.id, ttft: a.ttftMedian, timePerToken: 1 / a.tokensPerSecond, gpuDollarsPerToken: nil,
                                 price: a.price)
            case .gpu(let g):
                // An idle pool has no measured latency: it is not a route the data can judge.
                guard let ttft = p.ttft?.p50, let tpot = p.tpot?.p50, p.outputTokensPerSecond > 0 else { return nil }
                let perHour = Double(p.nodes * g.gpusPerNode) * g.gpu.pricePerHour
                let fit = LinearFit(fork.requestLog(pool: pi).map { (Double($0.prompt), $0.ttft) })
                return TierModel(pool: spec.id, ttft: fit?.intercept ?? ttft, ttftPerPromptToken: fit?.slope ?? 0,
                                 timePerToken: tpot, gpuDollarsPerToken: perHour / 3600 / p.outputTokensPerSecond, price: nil)
            }
        }
    }

    /// The class's split pools, GPU pools serving the same models, and API tiers (which answer anything).
    static func eligibleTiers(classIndex ci: Int, fleet: FleetSimulator, tiers: [TierModel]) -> [Int] {
        let split = fleet.scenario.workload.classes[ci].pools.map(\.pool)
        let models = Set(fleet.scenario.pools.filter { split.contains($0.id) }.map(\.model.name))
        return tiers.indices.filter { t in
            guard let spec = fleet.scenario.pools.first(where: { $0.id == tiers[t].pool }) else { return false }
            if split.contains(spec.id) || models.contains(spec.model.name) { return true }
            if case .api = spec.kind { return true }
            return false
        }
    }

    /// The objective a request of the class is held to: its first pool's end-to-end one, or
    /// its TTFT one.
    static func objective(of ci: Int, fleet: FleetSimulator) -> (metric: SLOObjective.Metric, target: Double) {
        guard let first = fleet.scenario.workload.classes[ci].pools.first?.pool,
              let spec = fleet.scenario.pools.first(where: { $0.id == first }),
              let o = spec.objectives.first(where: { $0.metric == .e2e }) ?? spec.objectives.first else { return (.e2e, .infinity) }
        return (o.metric, o.target)
    }

    static func bestTier(_ eligible: [Int], tiers: [TierModel], prompt: Int, output: Int,
                         objective: (metric: SLOObjective.Metric, target: Double)) -> Int {
        let meeting = eligible.filter { tiers[$0].measured(objective.metric, prompt: prompt, output: output) <= objective.target }
        if let cheapest = meeting.min(by: { tiers[$0].cost(prompt: prompt, output: output) < tiers[$1].cost(prompt: prompt, output: output) }) {
            return cheapest
        }
        return eligible.min { tiers[$0].latency(prompt: prompt, output: output) < tiers[$1].latency(prompt: prompt, output: output) }
            ?? eligible[0]
    }

    /// Where the fleet's static split sends a request of the class.
    static func staticTier(_ ci: Int, fleet: FleetSimulator, tiers: [TierModel], rng: inout SeededRandom) -> Int? {
        let split = fleet.scenario.workload.classes[ci].pools
        guard !split.isEmpty else { return nil }
        let pool = split[rng.pick(split.map(\.weight))].pool
        return tiers.firstIndex { $0.pool == pool }
    }
}

/// Least squares `y = intercept + slope·x`, with the slope kept at 0 or above (a longer prompt
/// never answers sooner) and the intercept at 0 or above.
struct LinearFit {
    var intercept: Double
    var slope: Double

    init?(_ points: [(Double, Double)]) {
        guard points.count >= 20 else { return nil }
        let n = Double(points.count)
        let mx = points.reduce(0) { $0 + $1.0 } / n
        let my = points.reduce(0) { $0 + $1.1 } / n
        let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        let sxy = points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        slope = sxx > 0 ? max(0, sxy / sxx) : 0
        intercept = max(0, my - slope * mx)
    }
}

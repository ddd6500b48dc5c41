/// `fleetdeck advise --json`: every round's summary and the last round in full, snake_case
/// keys as the rest of the command-line JSON.
public struct AdviceJSON: Encodable, Sendable {
    public struct Round: Encodable, Sendable {
        var time: Double
        var active: String?
        var warnings: [String]
        var applied: String?
        var roundSeconds: Double

        public init(_ a: FleetAdvice, applied: OperatorAction?) {
            time = a.time
            active = a.active?.title
            warnings = a.warnings.map(\.message)
            self.applied = applied.map { "\($0.verb.rawValue) \($0.target)" }
            roundSeconds = a.roundSeconds
        }

        enum CodingKeys: String, CodingKey { case time = "time_s", active, warnings, applied, roundSeconds = "round_s" }
    }

    public struct Candidate: Encodable, Sendable {
        var title: String
        var attainment: Double
        var meetsSLO: Bool
        var e2eP95: Double?
        var ttftP95: Double?
        var queuePeak: Int
        var shed: Int
        var costDeltaPerHour: Double
        var timeToEffect: Double
        var risk: Int
        var why: String
        var interval: Interval?

        /// The Monte Carlo spread: `[least, most]` over `seeds`.
        struct Interval: Encodable, Sendable {
            var seeds: Int
            var attainment: [Double]
            var e2eP95: [Double]?
            var ttftP95: [Double]?

            init(_ i: PredictionInterval) {
                seeds = i.seeds
                attainment = [i.attainment.lowerBound, i.attainment.upperBound]
                e2eP95 = i.e2eP95.map { [$0.lowerBound, $0.upperBound] }
                ttftP95 = i.ttftP95.map { [$0.lowerBound, $0.upperBound] }
            }

            enum CodingKeys: String, CodingKey { case seeds, attainment, e2eP95 = "e2e_p95_s", ttftP95 = "ttft_p95_s" }
        }

        enum CodingKeys: String, CodingKey {
            case title, attainment, risk, why, shed, interval
            case meetsSLO = "meets_slo", e2eP95 = "e2e_p95_s", ttftP95 = "ttft_p95_s", queuePeak = "queue_peak"
            case costDeltaPerHour = "cost_delta_per_hour", timeToEffect = "time_to_effect_s"
        }
    }

    public struct Routing: Encodable, Sendable {
        var model: String
        var trainedOn: Int
        var heldOut: Int
        var agreement: Double
        var savedPerMillion: Double
        var savedShare: Double
        var staticMissRate: Double
        var classifierMissRate: Double
        var tierShares: [String: Double]

        enum CodingKeys: String, CodingKey {
            case model, agreement
            case trainedOn = "trained_on", heldOut = "held_out", savedPerMillion = "saved_per_million_requests"
            case savedShare = "saved_share", staticMissRate = "static_miss_rate", classifierMissRate = "classifier_miss_rate"
            case tierShares = "tier_shares"
        }
    }

    public struct Full: Encodable, Sendable {
        var time: Double
        var horizon: Double
        var active: String?
        var warnings: [String]
        var candidates: [Candidate]
        var routing: Routing?

        public init(_ a: FleetAdvice) {
            time = a.time
            horizon = a.horizon
            active = a.active?.title
            warnings = a.warnings.map(\.message)
            candidates = a.recommendations.map {
                Candidate(title: $0.title, attainment: $0.attainment, meetsSLO: $0.meetsSLO, e2eP95: $0.e2eP95, ttftP95: $0.ttftP95,
                          queuePeak: $0.queuePeak, shed: $0.shed, costDeltaPerHour: $0.costDeltaPerHour,
                          timeToEffect: $0.timeToEffect, risk: $0.risk.rawValue, why: $0.why, interval: $0.interval.map(Candidate.Interval.init))
            }
            routing = a.routing.map {
                Routing(model: $0.model, trainedOn: $0.trainedOn, heldOut: $0.heldOut, agreement: $0.agreement,
                        savedPerMillion: $0.savedPerMillion, savedShare: $0.savedShare, staticMissRate: $0.staticMissRate,
                        classifierMissRate: $0.classifierMissRate,
                        tierShares: Dictionary(uniqueKeysWithValues: $0.tierShares.map { ($0.tier, $0.share) }))
            }
        }

        enum CodingKeys: String, CodingKey { case time = "time_s", horizon = "horizon_s", active, warnings, candidates, routing }
    }

    var scenario: String
    var seed: UInt64
    var rounds: [Round]
    var last: Full

    public init(scenario: String, seed: UInt64, rounds: [Round], last: Full) {
        self.scenario = scenario; self.seed = seed; self.rounds = rounds; self.last = last
    }
}

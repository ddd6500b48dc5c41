/// `fleetdeck advise --config FILE --json`: per watched pool, the twin's calibration, its
/// prediction for the last window and what the pool's telemetry showed (seconds), with the
/// ranked what-if candidates of the pool the round was about.
public struct WatchedAdviceJSON: Encodable, Sendable {
    public struct Pair: Encodable, Sendable {
        var p50: Double?
        var p95: Double?
    }

    public struct Points: Encodable, Sendable {
        var ttft: Pair
        var e2e: Pair

        init?(_ p: LatencyPoints?) {
            guard let p, !p.isEmpty else { return nil }
            ttft = Pair(p50: p.ttftP50, p95: p.ttftP95)
            e2e = Pair(p50: p.e2eP50, p95: p.e2eP95)
        }

        enum CodingKeys: String, CodingKey { case ttft = "ttft_s", e2e = "e2e_s" }
    }

    public struct Step: Encodable, Sendable {
        var atOne: Double
        var perSequence: Double
        var perPromptToken: Double
        var observedTPOT: Double
        var meanBatch: Double
        var shape: String

        enum CodingKeys: String, CodingKey {
            case atOne = "one_sequence_s", perSequence = "per_sequence_s", perPromptToken = "per_prompt_token_s"
            case observedTPOT = "observed_tpot_s", meanBatch = "mean_batch", shape
        }
    }

    public struct Pool: Encodable, Sendable {
        var pool: String
        var nodes: Int
        var arrivalRate: Double
        var promptTokens: Double
        var outputTokens: Double
        var slots: Int
        var step: Step
        var predicted: Points?
        var observed: Points?
        var e2eP95Error: Double?
        var notes: [String]
        var candidates: [AdviceJSON.Candidate]

        enum CodingKeys: String, CodingKey {
            case pool, nodes, slots, step, predicted, observed, notes, candidates
            case arrivalRate = "arrival_rate", promptTokens = "prompt_tokens", outputTokens = "output_tokens"
            case e2eP95Error = "e2e_p95_error"
        }
    }

    public struct Window: Encodable, Sendable {
        var seconds: Double
        var startUnix: Double
        var endUnix: Double

        enum CodingKeys: String, CodingKey { case seconds, startUnix = "start_unix", endUnix = "end_unix" }
    }

    var config: String
    var window: Window?
    var pools: [Pool]
    /// Pools the twin could not model, with the reason.
    var unmodelled: [String: String]
    var note: String?
    var active: String?
    var horizon: Double

    /// `endUnix`: the wall-clock time of the snapshot the round read.
    public init(config: String, advice: FleetAdvice, unmodelled: [String: String], endUnix: Double) {
        self.config = config
        let full = AdviceJSON.Full(advice)
        pools = advice.twin.map { r in
            Pool(pool: r.pool, nodes: r.nodes, arrivalRate: r.arrivalRate, promptTokens: r.promptTokens, outputTokens: r.outputTokens,
                 slots: r.slots, step: Step(atOne: r.stepAtOne, perSequence: r.perSequence, perPromptToken: r.perPromptToken,
                                                                  observedTPOT: r.observedTPOT, meanBatch: r.meanBatch,
                                                                  shape: r.stepShape),
                 predicted: Points(r.predicted), observed: Points(r.observed), e2eP95Error: r.e2eP95Error, notes: r.notes,
                 candidates: zip(advice.recommendations, full.candidates).filter { $0.0.pool == r.pool }.map(\.1))
        }
        window = advice.twin.first.map { Window(seconds: $0.window, startUnix: endUnix - $0.window, endUnix: endUnix) }
        self.unmodelled = unmodelled
        note = advice.note
        active = advice.active?.title
        horizon = advice.horizon
    }

    enum CodingKeys: String, CodingKey { case config, window, pools, unmodelled, note, active, horizon = "horizon_s" }
}

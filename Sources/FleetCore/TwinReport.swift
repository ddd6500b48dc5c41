/// The twin's account of one watched pool for the last window: what it calibrated, what it
/// predicted for the load the pool was offered, what the pool's telemetry showed, and what it
/// could not observe. On the scheduler screen and in `fleetdeck advise --config --json`.
public struct TwinPoolReport: Sendable, Equatable {
    public var pool: String
    /// Source seconds the window ends at, and its length.
    public var windowEnd: Double
    public var window: Double
    public var nodes: Int
    /// Requests per second offered to the pool over the window (counted or inferred).
    public var arrivalRate: Double
    public var promptTokens: Double
    public var outputTokens: Double
    /// Sequences one node runs at once.
    public var slots: Int
    /// The fitted step: seconds for one sequence's decode step, and what each further
    /// sequence and each prompt token adds.
    public var stepAtOne: Double
    public var perSequence: Double
    public var perPromptToken: Double
    /// What the fit was anchored on: the observed mean time per output token, at this many
    /// sequences running per node on average.
    public var observedTPOT: Double
    public var meanBatch: Double
    /// Where the step's shape came from: a node profile, a roofline, or the engine family's.
    public var stepShape: String
    public var predicted: LatencyPoints?
    public var observed: LatencyPoints?
    /// What the twin had to assume, in words.
    public var notes: [String]

    public init(pool: String, windowEnd: Double, window: Double, nodes: Int, arrivalRate: Double, promptTokens: Double,
                outputTokens: Double, slots: Int, stepAtOne: Double, perSequence: Double, perPromptToken: Double,
                observedTPOT: Double, meanBatch: Double, stepShape: String = TwinPoolReport.familyShape, predicted: LatencyPoints?,
                observed: LatencyPoints?, notes: [String]) {
        self.pool = pool; self.windowEnd = windowEnd; self.window = window; self.nodes = nodes
        self.arrivalRate = arrivalRate; self.promptTokens = promptTokens; self.outputTokens = outputTokens
        self.slots = slots; self.stepAtOne = stepAtOne; self.perSequence = perSequence; self.perPromptToken = perPromptToken
        self.observedTPOT = observedTPOT; self.meanBatch = meanBatch; self.stepShape = stepShape
        self.predicted = predicted; self.observed = observed; self.notes = notes
    }

    public static let familyShape = "the engine family's"

    /// (predicted − observed) / observed of the end-to-end p95, where both exist.
    public var e2eP95Error: Double? {
        guard let p = predicted?.e2eP95, let o = observed?.e2eP95, o > 0 else { return nil }
        return (p - o) / o
    }
}

/// p50 and p95 of time to first token and end to end, seconds; nil where unknown (llama.cpp
/// exports neither, so a llama.cpp pool has no observed figures).
public struct LatencyPoints: Sendable, Equatable {
    public var ttftP50: Double?
    public var ttftP95: Double?
    public var e2eP50: Double?
    public var e2eP95: Double?

    public init(ttftP50: Double?, ttftP95: Double?, e2eP50: Double?, e2eP95: Double?) {
        self.ttftP50 = ttftP50; self.ttftP95 = ttftP95; self.e2eP50 = e2eP50; self.e2eP95 = e2eP95
    }

    public var isEmpty: Bool { ttftP50 == nil && ttftP95 == nil && e2eP50 == nil && e2eP95 == nil }
}

/// One request inside the simulator. A class because the engine moves it between queues and
/// keeps references to it in its decode heap.
final class SimulatedRequest {
    enum Phase { case waiting, prefilling, decoding, done }

    let id: Int
    let classIndex: Int
    let poolIndex: Int
    let arrival: Double
    let promptTokens: Int
    let outputTokens: Int
    let sharesPrefix: Bool

    var phase = Phase.waiting
    /// Tokens generated so far; kept across a preemption, which recomputes them as prompt.
    var generated = 0
    var promptRemaining = 0
    /// KV tokens reserved at admission (prompt plus anything generated before a preemption).
    var admittedTokens = 0
    var firstTokenTime: Double?
    var decodeEnterStep = 0
    var generatedAtEnter = 0
    /// Bumped on preemption so stale decode-heap entries are skipped.
    var epoch = 0

    init(id: Int, classIndex: Int, poolIndex: Int, arrival: Double, promptTokens: Int,
         outputTokens: Int, sharesPrefix: Bool) {
        self.id = id; self.classIndex = classIndex; self.poolIndex = poolIndex
        self.arrival = arrival; self.promptTokens = promptTokens
        self.outputTokens = outputTokens; self.sharesPrefix = sharesPrefix
    }

    var totalTokens: Int { promptTokens + outputTokens }

    /// Generated tokens at engine step `step`, while decoding.
    func generated(atStep step: Int) -> Int { generatedAtEnter + (step - decodeEnterStep) }

    /// Back to the waiting state, as after a preemption or a node loss.
    func resetForRequeue() {
        phase = .waiting
        epoch += 1
        promptRemaining = 0
        admittedTokens = 0
    }
}

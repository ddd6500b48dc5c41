import Foundation
import Synchronization

/// The built-in workload a local node serves: Poisson arrivals of short chat requests, the kind
/// an edge device answers itself before falling back to the cloud.
public struct LocalWorkload: Sendable, Equatable {
    /// Mean arrivals per second (changed at run time when a pool routes a share to the node).
    public var requestsPerSecond: Double
    public var prompts: [String]
    /// Tokens generated per request, drawn uniformly.
    public var maxTokens: ClosedRange<Int>
    /// Requests waiting beyond this are refused (counted as rejected), as an engine's queue cap.
    public var queueLimit: Int
    public var sampling: SamplingParameters

    public init(requestsPerSecond: Double = 0.5, prompts: [String] = LocalWorkload.builtInPrompts,
                maxTokens: ClosedRange<Int> = 16...48, queueLimit: Int = 32,
                sampling: SamplingParameters = SamplingParameters(temperature: 0.7, topK: 40, topP: 0.95, seed: 1)) {
        self.requestsPerSecond = requestsPerSecond
        self.prompts = prompts.isEmpty ? LocalWorkload.builtInPrompts : prompts
        self.maxTokens = maxTokens
        self.queueLimit = queueLimit
        self.sampling = sampling
    }

    /// Short requests in SmolLM2's chat format, as a device's assistant would send them.
    public static let builtInPrompts: [String] = [
        "What is the boiling point of water at sea level?",
        "Give me one tip for a good night's sleep.",
        "Translate 'good morning' into French.",
        "What does a thermostat do?",
        "Name three primary colours.",
        "How many minutes are there in two hours?",
        "Suggest a name for a grey cat.",
        "What is the capital of Japan?",
    ].map { "<|im_start|>user\n\($0)<|im_end|>\n<|im_start|>assistant\n" }
}

/// What the node has done so far: counters only grow, so a reader derives rates from two reads.
/// Strings come from the model file: untrusted, for the reader to sanitise.
public struct LocalNodeStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable { case serving, idle, failed(String) }
    public var state: State
    public var modelName: String
    public var quantization: String
    public var queued: Int
    public var running: Int
    public var arrived: Int
    public var completed: Int
    public var rejected: Int
    public var promptTokens: Int
    public var generatedTokens: Int
    /// Tokens held in the KV cache now, and its capacity.
    public var kvTokens: Int
    public var kvCapacity: Int
    /// Seconds spent computing (prompt and generation), for a utilisation figure.
    public var busySeconds: Double
    public var requestsPerSecond: Double
}

/// One finished request's latencies, measured from its arrival.
public struct LocalRequestLatency: Sendable, Equatable {
    public var timeToFirstToken: Double
    public var endToEnd: Double
    public var generatedTokens: Int
}

/// A real inference node inside fleetdeck: a background thread serves the workload's requests
/// one at a time with the runtime (its own FIFO queue; one running request, as llama.cpp's
/// server with one slot), and keeps counters the console reads without ever waiting on it.
public final class LocalInferenceNode: @unchecked Sendable {
    public let generator: TextGenerator
    private let shared: Mutex<Shared>
    private let wake = NSCondition()
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    private struct Shared {
        var status: LocalNodeStatus
        var queue: [(arrival: Double, prompt: Int)] = []
        var latencies: [LocalRequestLatency] = []
        var workload: LocalWorkload
    }

    public init(generator: TextGenerator, workload: LocalWorkload = LocalWorkload()) {
        self.generator = generator
        let file = generator.model.file
        let name = Self.displayName(file)
        let quant = generator.model.layers.first.map { "\($0.gate.type)" } ?? "?"
        shared = Mutex(Shared(status: LocalNodeStatus(state: .idle, modelName: name, quantization: quant,
                                                      queued: 0, running: 0, arrived: 0, completed: 0, rejected: 0,
                                                      promptTokens: 0, generatedTokens: 0, kvTokens: 0,
                                                      kvCapacity: generator.context.capacity, busySeconds: 0,
                                                      requestsPerSecond: workload.requestsPerSecond),
                              workload: workload))
    }

    /// "smollm2-135M" from general.basename and general.size_label; else general.name; else the file name.
    static func displayName(_ file: GGUFFile) -> String {
        if let base = file.metadata["general.basename"]?.string, !base.isEmpty {
            return file.metadata["general.size_label"]?.string.map { "\(base)-\($0)" } ?? base
        }
        return file.metadata["general.name"]?.string ?? (file.path as NSString).lastPathComponent
    }

    public func start() {
        let t = Thread { [self] in serve() }
        t.name = "fleetdeck-local-node"
        thread = t
        t.start()
    }

    /// Stops after the token being generated; waits for the thread.
    public func stop() {
        guard let _ = thread, !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.lock(); wake.broadcast(); wake.unlock()
        finished.wait()
    }

    public func status() -> LocalNodeStatus { shared.withLock { $0.status } }

    /// Latencies of the requests finished since the last call.
    public func takeLatencies() -> [LocalRequestLatency] {
        shared.withLock { s in defer { s.latencies.removeAll() }; return s.latencies }
    }

    /// Changes the mean arrival rate (a pool routing a share of its traffic here).
    public func setArrivalRate(_ perSecond: Double) {
        let rate = max(0, perSecond)
        shared.withLock { $0.workload.requestsPerSecond = rate; $0.status.requestsPerSecond = rate }
        wake.lock(); wake.broadcast(); wake.unlock()
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func serve() {
        defer { finished.signal() }
        var rng = SplitMix64(seed: shared.withLock { $0.workload.sampling.seed })
        var nextArrival = Self.now()
        var drawn = false
        while !stopping.load(ordering: .relaxed) {
            let workload = shared.withLock { $0.workload }
            // Arrivals up to now join the queue (or are refused past its limit).
            let now = Self.now()
            if !drawn {
                nextArrival = now + Self.exponential(&rng, rate: workload.requestsPerSecond)
                drawn = true
            }
            while nextArrival <= now {
                let prompt = Int(rng.next() % UInt64(workload.prompts.count))
                let at = nextArrival
                shared.withLock { s in
                    s.status.arrived += 1
                    if s.queue.count >= workload.queueLimit { s.status.rejected += 1 } else { s.queue.append((at, prompt)) }
                    s.status.queued = s.queue.count
                }
                nextArrival += Self.exponential(&rng, rate: workload.requestsPerSecond)
            }
            guard let request = shared.withLock({ s -> (arrival: Double, prompt: Int)? in
                guard !s.queue.isEmpty else { return nil }
                let r = s.queue.removeFirst()
                s.status.queued = s.queue.count
                s.status.running = 1
                s.status.state = .serving
                return r
            }) else {
                shared.withLock { $0.status.state = .idle; $0.status.kvTokens = 0 }
                // Sleep until the next arrival (or a rate change, or stop).
                wake.lock()
                let wait = min(max(nextArrival - Self.now(), 0.001), 1.0)
                _ = wake.wait(until: Date(timeIntervalSinceNow: wait))
                wake.unlock()
                if shared.withLock({ $0.workload.requestsPerSecond }) != workload.requestsPerSecond { drawn = false }
                continue
            }
            serve(request, workload: workload, rng: &rng)
        }
    }

    private func serve(_ request: (arrival: Double, prompt: Int), workload: LocalWorkload, rng: inout SplitMix64) {
        let span = workload.maxTokens.upperBound - workload.maxTokens.lowerBound + 1
        let maxTokens = workload.maxTokens.lowerBound + Int(rng.next() % UInt64(max(span, 1)))
        var sampling = workload.sampling
        sampling.seed = rng.next()
        let started = Self.now()
        var lastUpdate = started
        var firstTokenAt: Double?
        let promptTokens = generator.tokenizer.encode(workload.prompts[request.prompt])
        do {
            // Counters move with every token, so the console's rates are live, not lumpy.
            let result = try generator.generate(promptTokens: promptTokens, maxTokens: maxTokens, sampling: sampling) { _, _ in
                let now = Self.now()
                let held = generator.context.count
                let first = firstTokenAt == nil
                if first { firstTokenAt = now }
                shared.withLock { s in
                    if first { s.status.promptTokens += promptTokens.count }
                    s.status.generatedTokens += 1
                    s.status.busySeconds += now - lastUpdate
                    s.status.kvTokens = held
                }
                lastUpdate = now
                return !stopping.load(ordering: .relaxed)
            }
            let end = Self.now()
            let ttft = (firstTokenAt ?? end) - request.arrival
            shared.withLock { s in
                s.status.running = 0
                s.status.completed += 1
                if firstTokenAt == nil { s.status.promptTokens += promptTokens.count }
                s.status.busySeconds += end - lastUpdate
                s.status.kvTokens = generator.context.count
                s.latencies.append(LocalRequestLatency(timeToFirstToken: ttft, endToEnd: end - request.arrival,
                                                       generatedTokens: result.generatedTokens.count))
                if s.latencies.count > 10_000 { s.latencies.removeFirst(s.latencies.count - 10_000) }
            }
        } catch {
            let reason = "\(error)"
            shared.withLock { s in
                s.status.running = 0
                s.status.state = .failed(reason)
            }
        }
    }

    private static func exponential(_ rng: inout SplitMix64, rate: Double) -> Double {
        guard rate > 0 else { return 3600 }
        let u = Double(rng.next() >> 11 | 1) / Double(1 << 53)
        return -log(u) / rate
    }
}

import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Telemetry

/// What a load sends: where, how often, for how long, and what each request asks for.
public struct LoadPlan: Sendable {
    /// Completion endpoints; arrivals go to them in turn.
    public var endpoints: [String]
    public var rate: Double
    public var duration: Double
    public var seed: UInt64
    public var promptTokens: Int
    public var maxTokens: Int
    public var model: String?
    public var ignoreEOS: Bool
    /// Requests waiting for an answer at most; an arrival beyond it is dropped and counted.
    public var maxInFlight: Int
    /// The whole exchange of one request, streamed body included.
    public var timeout: Double

    public init(endpoints: [String], rate: Double, duration: Double, seed: UInt64 = 1, promptTokens: Int = 32,
                maxTokens: Int = 32, model: String? = nil, ignoreEOS: Bool = true, maxInFlight: Int = 64, timeout: Double = 60) {
        self.endpoints = endpoints; self.rate = rate; self.duration = duration; self.seed = seed
        self.promptTokens = promptTokens; self.maxTokens = maxTokens; self.model = model; self.ignoreEOS = ignoreEOS
        self.maxInFlight = maxInFlight; self.timeout = timeout
    }

    /// `http://host:port` alone means the OpenAI-style completions path; a URL with a path is
    /// taken as it is.
    public static func endpoint(_ url: String) -> String {
        guard let c = URLComponents(string: url), c.path.isEmpty || c.path == "/" else { return url }
        return (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/v1/completions"
    }
}

/// Runs a `LoadPlan`: an open-loop Poisson load of streamed completions, each request timed
/// by the client from its send to its first text and to the end of its stream.
public enum LoadRun {
    /// The requests' outcomes in order of sending, and their figures.
    public struct Result: Sendable {
        public var outcomes: [RequestOutcome]
        public var report: LoadReport
    }

    public static func run(_ plan: LoadPlan, client: HTTPClient) async -> Result {
        var arrivals = PoissonArrivals(rate: plan.rate, duration: plan.duration, seed: plan.seed)
        var prompts = SeededRandom(seed: plan.seed ^ 0x5EED_CAFE)
        let inFlight = InFlightCount()
        var dropped = 0
        let clock = ContinuousClock()
        let start = clock.now
        let startUnix = Date().timeIntervalSince1970
        var outcomes: [RequestOutcome] = await withTaskGroup(of: RequestOutcome.self) { group in
            var sentCount = 0
            while let at = arrivals.next() {
                try? await clock.sleep(until: start.advanced(by: .seconds(at)))
                guard inFlight.admit(upTo: plan.maxInFlight) else { dropped += 1; continue }
                let endpoint = plan.endpoints[sentCount % plan.endpoints.count]
                sentCount += 1
                let body = CompletionRequest(model: plan.model, prompt: CompletionRequest.prompt(tokens: plan.promptTokens, random: &prompts),
                                             maxTokens: plan.maxTokens, ignoreEOS: plan.ignoreEOS).json
                let sentUnix = startUnix + at
                group.addTask {
                    defer { inFlight.done() }
                    return await send(body, to: endpoint, client: client, timeout: plan.timeout, sentAt: at, sentUnix: sentUnix)
                }
            }
            var all: [RequestOutcome] = []
            for await o in group { all.append(o) }
            return all
        }
        outcomes.sort { $0.sentAt < $1.sentAt }
        return Result(outcomes: outcomes,
                      report: LoadReport(outcomes: outcomes, droppedAtClient: dropped, duration: plan.duration, offeredRate: plan.rate))
    }

    /// One streamed completion, timed. Never throws: every way it can go wrong is an outcome.
    static func send(_ body: String, to endpoint: String, client: HTTPClient, timeout: Double,
                     sentAt: Double, sentUnix: Double) async -> RequestOutcome {
        var outcome = RequestOutcome(sentAt: sentAt, sentUnix: sentUnix, target: endpoint, result: .ok)
        let clock = ContinuousClock()
        let t0 = clock.now
        @Sendable func since() -> Double { let d = clock.now - t0; return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        do {
            let stream = try await withDeadline(seconds: timeout) { () -> StreamResult in
                var request = HTTPClientRequest(url: endpoint)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Accept", value: "text/event-stream")
                // Each request on a connection of its own, as independent users' are: a pooled
                // one the server has just closed as idle would fail a request it never saw.
                request.headers.add(name: "Connection", value: "close")
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await client.execute(request, timeout: .seconds(Int64(timeout.rounded(.up))))
                var result = StreamResult()
                guard response.status == .ok else {
                    result.status = Int(response.status.code)
                    return result
                }
                var events = ServerSentEvents()
                for try await chunk in response.body {
                    for event in events.feed(chunk.readableBytesView) { result.read(event, at: since()) }
                }
                if let last = events.finish() { result.read(last, at: since()) }
                result.end = since()
                return result
            }
            if let status = stream.status {
                outcome.result = .status(status)
            } else if let error = stream.error {
                outcome.result = .failed(error)
            } else if stream.textEvents == 0 && stream.usageTokens == nil {
                outcome.result = .failed("no tokens in the stream")
            }
            outcome.ttft = stream.firstText
            outcome.e2e = stream.end
            outcome.outputTokens = stream.usageTokens ?? stream.textEvents
            outcome.promptTokens = stream.promptTokens
        } catch is DeadlineExceeded {
            outcome.result = .failed("timed out after \(Format.latency(timeout))")
        } catch {
            outcome.result = .failed(TerminalText.sanitized(MetricsScraper.describe(error)))
        }
        return outcome
    }
}

/// Requests sent and not yet answered, shared by the sender and the requests' tasks.
final class InFlightCount: Sendable {
    private let count = Mutex(0)

    func admit(upTo limit: Int) -> Bool {
        count.withLock { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    func done() { count.withLock { $0 -= 1 } }
}

/// What one stream said, as its events came.
struct StreamResult: Sendable {
    var status: Int?
    var error: String?
    var firstText: Double?
    var end: Double?
    var textEvents = 0
    var usageTokens: Int?
    var promptTokens: Int?

    mutating func read(_ event: [UInt8], at time: Double) {
        if event.elementsEqual("[DONE]".utf8) { return }
        guard let object = try? JSONSerialization.jsonObject(with: Data(event)) as? [String: Any] else { return }
        if let e = object["error"] {
            let message = (e as? [String: Any])?["message"] as? String ?? String(describing: e)
            error = "error event: " + TerminalText.sanitized(String(message.prefix(80)))
        }
        if let choices = object["choices"] as? [[String: Any]],
           let text = choices.first?["text"] as? String ?? (choices.first?["delta"] as? [String: Any])?["content"] as? String,
           !text.isEmpty {
            textEvents += 1
            if firstText == nil { firstText = time }
        }
        if let usage = object["usage"] as? [String: Any] {
            usageTokens = usage["completion_tokens"] as? Int ?? usageTokens
            promptTokens = usage["prompt_tokens"] as? Int ?? promptTokens
        }
    }
}

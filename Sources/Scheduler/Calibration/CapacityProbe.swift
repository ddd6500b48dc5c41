import FleetCore

/// The workload a capacity probe was measured with, as transformers' continuous-batching
/// benchmark writes it in its engine description: "prompt lognormal median 400 [16,3000],
/// output lognormal median 150 [8,1024], sigma 0.8, EOS disabled".
public struct BurstWorkload: Sendable, Equatable {
    public var prompt: LengthDistribution
    public var output: LengthDistribution

    public struct ParseError: Error { public var message: String }

    public init(prompt: LengthDistribution, output: LengthDistribution) {
        self.prompt = prompt; self.output = output
    }

    /// Words, with brackets and commas as separators: "prompt lognormal median 400 16 3000 …".
    public init(parsing text: String) throws {
        let words = text.lowercased().split { " ,[]()\t".contains($0) }.map(String.init)
        var sigma: Double?
        var shapes: [String: (median: Double, min: Int, max: Int)] = [:]
        var i = 0
        func number(_ what: String) throws -> Double {
            guard i < words.count, let d = Double(words[i]), d.isFinite, d > 0 else {
                throw ParseError(message: "expected \(what) in \"\(text)\" (the form: prompt lognormal median 400 [16,3000], output lognormal median 150 [8,1024], sigma 0.8)")
            }
            i += 1
            return d
        }
        while i < words.count {
            let w = words[i]
            i += 1
            switch w {
            case "prompt", "output":
                guard i + 1 < words.count, words[i] == "lognormal", words[i + 1] == "median" else {
                    throw ParseError(message: "expected '\(w) lognormal median N [MIN,MAX]' in \"\(text)\"")
                }
                i += 2
                let median = try number("the \(w) median")
                let lo = try number("the \(w) minimum"), hi = try number("the \(w) maximum")
                guard lo <= median, median <= hi, hi <= 10_000_000 else {
                    throw ParseError(message: "the \(w) lengths need minimum ≤ median ≤ maximum ≤ 10,000,000 (got \(lo), \(median), \(hi))")
                }
                shapes[w] = (median, Int(lo), Int(hi))
            case "sigma":
                sigma = try number("sigma")
            default:
                continue   // "EOS disabled" and other notes
            }
        }
        guard let p = shapes["prompt"], let o = shapes["output"] else {
            throw ParseError(message: "the workload names no \(shapes["prompt"] == nil ? "prompt" : "output") lengths: \"\(text)\"")
        }
        guard let sigma, sigma <= 5 else {
            throw ParseError(message: "the workload gives no sigma (at most 5) for its lengths: \"\(text)\"")
        }
        prompt = LengthDistribution(median: p.median, sigma: sigma, min: p.min, max: p.max)
        output = LengthDistribution(median: o.median, sigma: sigma, min: o.min, max: o.max)
    }
}

/// A burst of requests all submitted at once and the rate the engine got through them: a
/// second calibration point, at the largest batch the engine runs, where a light trace has
/// batches of a few. (shared/calibration's engine.json: 120 requests at 0.905/s.)
public struct CapacityProbe: Sendable, Equatable {
    public static let defaultRequests = 120
    /// Draws of the burst the simulated rate is the median of: one draw's longest output
    /// decides how long it lasts.
    public static let defaultDraws = 8

    public var requestsPerSecond: Double
    public var requests: Int
    public var workload: BurstWorkload

    public init(requestsPerSecond: Double, requests: Int = defaultRequests, workload: BurstWorkload) {
        self.requestsPerSecond = requestsPerSecond; self.requests = requests; self.workload = workload
    }

    /// One draw of the burst: every request at t = 0, lengths from the workload.
    public func burst(seed: UInt64) -> [TraceRequest] {
        var rng = SeededRandom(seed: seed)
        return (0..<requests).map { i in
            let p = workload.prompt.sample(&rng), o = workload.output.sample(&rng)
            return TraceRequest(line: i + 1, id: "probe-\(i)", arrival: 0, promptTokens: p, outputTokens: o)
        }
    }

    /// The simulated capacity: the median over `draws` bursts of requests / time to serve them all.
    public func simulatedRate(on replay: TraceReplay, draws: Int = defaultDraws) throws -> Double {
        var rates: [Double] = []
        for d in 0..<draws {
            let result = try replay.run(burst(seed: UInt64(d + 1)), file: "capacity probe draw \(d + 1)")
            rates.append(Double(requests) / max(result.simulatedSeconds, 1e-9))
        }
        rates.sort()
        return rates.count % 2 == 1 ? rates[rates.count / 2] : (rates[rates.count / 2 - 1] + rates[rates.count / 2]) / 2
    }
}

import Foundation

/// Fits an engine's host cost (fixed, per sequence, per token: `HostCost`) to what was measured
/// on it: traces with their first-token and finish times, and a capacity probe. The GPU's part
/// comes from the profile and is not touched: only the host terms move.
///
/// One light trace pins the fixed part (its batches are a few sequences) but cannot tell a
/// per-sequence cost from a fixed one; the probe runs at a full batch, where the per-sequence
/// term dominates. Fitted together, the pair explains both, and the residuals of each say how
/// well (`fleetdeck calibrate`, Docs/scheduler-model.md).
public struct OverheadCalibration {
    public struct MeasuredTrace: Sendable {
        public var file: String
        public var requests: [TraceRequest]
        public init(file: String, requests: [TraceRequest]) { self.file = file; self.requests = requests }
    }

    /// Simulated / measured − 1 for one trace's percentiles.
    public struct TraceResiduals: Sendable, Codable, Equatable {
        public var file: String
        public var ttftP50: Double, ttftP95: Double
        public var e2eP50: Double, e2eP95: Double
        public var tpotP50: Double?

        public var terms: [Double] { [ttftP50, ttftP95, e2eP50, e2eP95] + (tpotP50.map { [$0] } ?? []) }

        enum CodingKeys: String, CodingKey {
            case file, ttftP50 = "ttft_p50", ttftP95 = "ttft_p95", e2eP50 = "e2e_p50", e2eP95 = "e2e_p95", tpotP50 = "tpot_p50"
        }
    }

    public struct ProbeResidual: Sendable, Encodable, Equatable {
        public var measured: Double
        public var simulated: Double
        public var error: Double { simulated / measured - 1 }

        enum CodingKeys: String, CodingKey { case measured = "measured_req_per_s", simulated = "simulated_req_per_s", error }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(measured, forKey: .measured)
            try c.encode(simulated, forKey: .simulated)
            try c.encode(error, forKey: .error)
        }
    }

    public struct Residuals: Sendable, Encodable, Equatable {
        public var host: HostCost
        public var traces: [TraceResiduals]
        public var probe: ProbeResidual?
        /// Mean squared relative error over each trace's percentiles, plus the probe's squared
        /// error: the probe weighs as much as a trace.
        public var loss: Double

        enum CodingKeys: String, CodingKey { case host = "host_cost", traces, probe = "capacity_probe", loss }
    }

    public enum Failure: Error, CustomStringConvertible {
        case nothingMeasured
        case unmeasuredTrace(file: String, line: Int)

        public var description: String {
            switch self {
            case .nothingMeasured:
                return "nothing to fit to: give a measured trace (with first_token_s and finish_s) or an engine file with capacity_probe_req_per_s"
            case let .unmeasuredTrace(file, line):
                return "\(file):\(line): a calibration trace must be measured: first_token_s and finish_s on every line"
            }
        }
    }

    let profile: NodeProfile
    let profileFile: String
    let modelName: String?
    let engine: EngineSettings
    let traces: [MeasuredTrace]
    let probe: CapacityProbe?
    let probeDraws: Int

    public init(profile: NodeProfile, profileFile: String, modelName: String?, engine: EngineSettings,
                traces: [MeasuredTrace], probe: CapacityProbe?, probeDraws: Int = CapacityProbe.defaultDraws) throws {
        guard !traces.isEmpty || probe != nil else { throw Failure.nothingMeasured }
        for t in traces {
            if let bad = t.requests.first(where: { $0.measuredFirstToken == nil || $0.measuredFinish == nil }) {
                throw Failure.unmeasuredTrace(file: t.file, line: bad.line)
            }
        }
        self.profile = profile; self.profileFile = profileFile; self.modelName = modelName; self.engine = engine
        self.traces = traces; self.probe = probe; self.probeDraws = probeDraws
    }

    func replay(_ host: HostCost) throws -> TraceReplay {
        var e = engine
        e.stepOverhead = host.perStep; e.stepOverheadPerSequence = host.perSequence; e.stepOverheadPerToken = host.perToken
        return try TraceReplay(profile: profile, profileFile: profileFile, modelName: modelName, engine: e)
    }

    /// How far the model with `host` is from every measurement.
    public func evaluate(_ host: HostCost) throws -> Residuals {
        let r = try replay(host)
        var out: [TraceResiduals] = []
        for t in traces {
            let report = TraceReplayReport(trace: t.file, profile: profile.name, replay: r, engine: engine,
                                           result: try r.run(t.requests, file: t.file))
            guard let e = report.relativeError, let m = report.measured else { continue }
            var tpot: Double?
            if let s = report.tpot, let mt = m.tpot { tpot = s.p50 / mt.p50 - 1 }
            out.append(TraceResiduals(file: t.file, ttftP50: e.ttft.p50, ttftP95: e.ttft.p95,
                                      e2eP50: e.e2e.p50, e2eP95: e.e2e.p95, tpotP50: tpot))
        }
        let probeResidual = try probe.map {
            ProbeResidual(measured: $0.requestsPerSecond, simulated: try $0.simulatedRate(on: r, draws: probeDraws))
        }
        var loss = 0.0
        for t in out { loss += t.terms.reduce(0) { $0 + $1 * $1 } / Double(t.terms.count) }
        if let p = probeResidual { loss += p.error * p.error }
        return Residuals(host: host, traces: out, probe: probeResidual, loss: loss)
    }

    /// A grid over the fixed and per-sequence terms first (the two the measurements separate),
    /// then a coordinate search over all three, each term scanned around its best value so far
    /// on a grid half as wide each round. Grids, not gradients: a trace of a few dozen requests
    /// makes the loss step-shaped (an arrival falls into one step or the next), so a descent
    /// stops in the first dip, where a grid sees the whole valley.
    public func fit(from start: HostCost, gridPoints: Int = 25, rounds: Int = 3, points: Int = 17) throws -> Residuals {
        var best = try evaluate(start)
        let stepSpan = start.perStep > 0 ? (start.perStep * 0.5)...(start.perStep * 1.5) : 0...0.2
        let perSequenceMax = max(start.perSequence * 4, stepSpan.upperBound / 50)
        func grid(_ range: ClosedRange<Double>, _ k: Int, _ n: Int) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * Double(k) / Double(n - 1)
        }
        for i in 0..<gridPoints {
            for j in 0..<gridPoints {
                let h = HostCost(perStep: grid(stepSpan, i, gridPoints), perSequence: grid(0...perSequenceMax, j, gridPoints),
                                 perToken: start.perToken)
                let r = try evaluate(h)
                if r.loss < best.loss { best = r }
            }
        }
        var widths = HostCost(perStep: (stepSpan.upperBound - stepSpan.lowerBound) / Double(gridPoints - 1),
                              perSequence: perSequenceMax / Double(gridPoints - 1),
                              perToken: max(start.perToken * 2, 0.000_05))
        let terms: [WritableKeyPath<HostCost, Double>] = [\.perToken, \.perStep, \.perSequence]
        for _ in 0..<rounds {
            for term in terms {
                // Host terms only ever add: never below zero.
                let centre = best.host[keyPath: term], width = widths[keyPath: term]
                let span = max(0, centre - width)...(centre + width)
                for k in 0..<points {
                    var h = best.host
                    h[keyPath: term] = grid(span, k, points)
                    guard h != best.host else { continue }
                    let r = try evaluate(h)
                    if r.loss < best.loss { best = r }
                }
                widths[keyPath: term] = width / 2
            }
        }
        return best
    }
}

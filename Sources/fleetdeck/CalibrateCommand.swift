import ArgumentParser
import FleetCore
import Foundation
import Scheduler

/// `fleetdeck calibrate`: fits an engine's host cost (fixed, per sequence, per token) to
/// measured traces and a capacity probe, prints the residuals before and after, and the engine
/// file's lines to paste.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit an engine's host cost per step, per sequence and per token to measured traces and a capacity probe.",
        discussion: """
            The step time is the profile's GPU time (its measured table, or its roofline) plus the engine's
            host cost: step_overhead_ms + step_overhead_per_sequence_ms × sequences in the step +
            step_overhead_per_token_ms × tokens the step computes. calibrate fits those three to what was
            measured on the engine and reports the residuals (simulated / measured − 1):
              - every --trace: a JSONL trace with first_token_s and finish_s (TTFT, end-to-end p50/p95,
                TPOT p50);
              - the engine file's capacity probe, when it records one (capacity_probe_req_per_s and the
                workload it was measured with): the rate a burst of requests all sent at once was
                served at, simulated as the median of 8 draws of that burst.
            A light trace runs at batches of a few sequences and pins the fixed cost; the probe runs at a
            full batch and pins the per-sequence cost. Fit both together (Docs/scheduler-model.md).

              fleetdeck calibrate --profile h100-sxm-hf-eager --engine transformers-cb-h100 \\
                  --trace sample-data/traces/h100-transformers-cb-light.jsonl
            """)

    @Option(name: .long, help: "Node profile: a path, or a name from sample-data/profiles.")
    var profile: String

    @Option(name: .long, help: "Engine settings: a path, or a name from sample-data/engines. Its host cost is the starting point.")
    var engine: String

    @Option(name: .long, help: "The profile's model (default: its first).")
    var model: String?

    @Option(name: .long, help: "A measured JSONL trace (repeat for several).")
    var trace: [String] = []

    @Flag(name: .long, help: "Leave the engine's capacity probe out of the fit.")
    var noProbe = false

    @Flag(name: .long, help: "Only report the residuals of the engine's own host cost; fit nothing.")
    var check = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    struct Output: Encodable {
        var profile: String
        var engine: String
        var before: OverheadCalibration.Residuals
        var after: OverheadCalibration.Residuals?
    }

    func run() throws {
        let files = try NodeFiles(profile: profile, engine: engine)
        let (profilePath, enginePath, nodeProfile, settings) = (files.profilePath, files.enginePath!, files.profile, files.engine)
        let traces = try trace.map { OverheadCalibration.MeasuredTrace(file: $0, requests: try ServingTraceReader.load(file: $0)) }
        let output: Output
        do {
            let calibration = try OverheadCalibration(profile: nodeProfile, profileFile: profilePath, modelName: model,
                                                      engine: settings, traces: traces,
                                                      probe: noProbe ? nil : settings.capacityProbe)
            let before = try calibration.evaluate(settings.hostCost)
            output = Output(profile: nodeProfile.name, engine: enginePath, before: before,
                            after: check ? nil : try calibration.fit(from: settings.hostCost))
        } catch let f as OverheadCalibration.Failure {
            throw UserError(f.description)
        } catch let f as TraceReplay.Failure {
            throw UserError(f.description)
        }
        print(json ? try JSONText.encode(output) : Self.text(output))
    }

    static func text(_ o: Output) -> String {
        func pct(_ x: Double?) -> String { x.map { String(format: "%+.1f%%", $0 * 100) } ?? "—" }
        func host(_ h: HostCost) -> String {
            String(format: "%.2f ms per step, %.3f ms per sequence, %.4f ms per token", h.perStep * 1000, h.perSequence * 1000, h.perToken * 1000)
        }
        var rows: [[String]] = []
        func add(_ label: String, _ r: OverheadCalibration.Residuals) {
            for t in r.traces {
                rows.append([label, (t.file as NSString).lastPathComponent, pct(t.ttftP50), pct(t.ttftP95), pct(t.e2eP50), pct(t.e2eP95), pct(t.tpotP50), ""])
            }
            if let p = r.probe {
                rows.append([label, "capacity probe", "", "", "", "", "",
                             String(format: "%.3f/s vs %.3f/s (%@)", p.simulated, p.measured, pct(p.error))])
            }
        }
        add("engine", o.before)
        if let a = o.after { add("fitted", a) }
        var lines = ["\(o.profile) on \(o.engine): residuals, simulated / measured − 1", ""]
        let table = TextTable(widths: [8, 38, 10, 10, 10, 10, 10, 0], spills: true)
        lines += ([["", "measured", "TTFT p50", "TTFT p95", "e2e p50", "e2e p95", "TPOT p50", "rate"]] + rows).map(table.row)
        lines += ["", "engine's host cost: " + host(o.before.host) + String(format: " (loss %.4f)", o.before.loss)]
        if let a = o.after {
            lines += ["fitted host cost:   " + host(a.host) + String(format: " (loss %.4f)", a.loss), "",
                      "in the engine file:",
                      String(format: "  \"step_overhead_ms\": %.2f,", a.host.perStep * 1000),
                      String(format: "  \"step_overhead_per_sequence_ms\": %.3f,", a.host.perSequence * 1000),
                      String(format: "  \"step_overhead_per_token_ms\": %.4f,", a.host.perToken * 1000)]
        }
        return lines.joined(separator: "\n")
    }
}

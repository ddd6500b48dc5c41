import FleetCore
import Foundation
import FuzzSupport
import Scheduler

/// libFuzzer target for the scheduler's configuration files (Docs/scenarios.md): the same bytes
/// as a scenario, a node profile and an engine file; a scenario that loads is then simulated
/// for a moment, sampled and reported, as the demo would. Seeds: sample-data/scenarios,
/// profiles and engines. Run from the repository's root, so a scenario finds the shipped
/// profiles beside it. Its entry point hands the check to FuzzSupport: libFuzzer in a fuzzing
/// build, a replayer of saved inputs otherwise.
///
/// A crash, a sanitizer report or a broken invariant below is a finding (a hang is one too:
/// libFuzzer times out); a refused file is the loader doing its job.
func checkOneInput(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? NodeProfileLoader.parse(text: text, file: "sample-data/profiles/fuzz.yaml")
    _ = try? EngineSettingsLoader.parse(text: text, file: "sample-data/engines/fuzz.yaml")
    guard let scenario = try? ScenarioLoader.parse(text: text, file: "sample-data/scenarios/fuzz.yaml") else { return }
    let simulator = FleetSimulator(scenario: scenario, seed: 1)
    // A bounded number of arrivals, whatever the rate: the check is for traps, not throughput.
    let horizon = min(3, 2_000 / max(1, scenario.workload.peakRate))
    for step in 1...3 {
        simulator.advance(to: horizon * Double(step) / 3)
        let snapshot = simulator.snapshot(refresh: true)
        for node in snapshot.nodes where node.running < 0 || node.waiting < 0 {
            fatalError("node \(node.id) has \(node.running) running and \(node.waiting) waiting")
        }
    }
    _ = simulator.report(duration: horizon)?.text
}

/// The entry point (see FuzzSupport): libFuzzer in a fuzzing build, a replayer otherwise.
@_cdecl("ScenarioFuzzer_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.main(argc, argv, usage: "ScenarioFuzzer FILE...", check: checkOneInput)
}

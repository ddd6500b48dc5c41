import ArgumentParser
import FleetCore
import Foundation
import Scheduler

/// Options every command that simulates a fleet shares.
struct ScenarioOptions: ParsableArguments {
    @Option(name: .long, help: "Scenario name (bank, ecommerce, content, edge, rag) or a path to a scenario YAML file.")
    var scenario: String = "bank"

    @Option(name: .long, help: "Random seed; the same seed gives the same run. Defaults to the scenario's own.")
    var seed: UInt64?

    func loadScenario() throws -> Scenario {
        let home = try DataLocator.requireHome()
        let path = try FileCatalog(directory: home + "/sample-data/scenarios").require(scenario, kind: "scenario")
        return try ScenarioLoader.load(file: path)
    }
}

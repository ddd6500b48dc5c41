import ArgumentParser
import Console
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

struct DisplayOptions: ParsableArguments {
    @Option(name: .long, help: "Colour theme: a name from Themes/ (dark, light, high-contrast, monochrome) or a path to a theme YAML file.")
    var theme: String?

    @Flag(name: .long, help: "Draw with ASCII only: no Unicode box, block or braille characters.")
    var ascii = false

    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/fleetdeck/config.yaml).")
    var config: String?

    func resolve() throws -> (theme: Theme, glyphs: Glyphs) {
        try resolve(try UserConfig.load(explicit: config))
    }

    func resolve(_ cfg: UserConfig) throws -> (theme: Theme, glyphs: Glyphs) {
        let name = theme ?? cfg.theme ?? "dark"
        let home = try DataLocator.requireHome()
        let path = try FileCatalog(directory: home + "/Themes").require(name, kind: "theme")
        let t = try ThemeLoader.load(file: path)
        return (t, (ascii || cfg.ascii == true) ? .ascii : .unicode)
    }
}

import ArgumentParser
import FleetCore
import Foundation
import LocalInference
import LocalNode
import Telemetry

/// Where a console's local inference node comes from: `--local-model`, the config's `local:`,
/// or, for the `edge` scenario, the fetched SmolLM2 when it is there (the edge case study's
/// device, running for real beside the simulated fleet).
struct LocalNodeOptions: ParsableArguments {
    @Option(name: .long, help: "Run a local inference node with this GGUF model beside the fleet (as `local: {model: FILE}` in the config).")
    var localModel: String?

    @Flag(name: .long, help: "Start no local inference node, even where the config or the edge scenario would.")
    var noLocal = false

    /// The edge scenario's device: a share of its edge pool's requests goes to the real model.
    static let edgeDefaults: (pool: String, routeFrom: String, share: Double) = ("edge-local", "edge-devices", 0.25)

    func start(_ cfg: UserConfig, scenario: String?) throws -> LocalNodeRuntime? {
        guard !noLocal else { return nil }
        var config: LocalNodeConfig
        if let model = localModel {
            config = cfg.local ?? LocalNodeConfig(model: model)
            config.model = model
        } else if let configured = cfg.local {
            config = configured
        } else if scenario == "edge", FileManager.default.fileExists(atPath: ModelLocator.defaultModelPath) {
            config = LocalNodeConfig(model: ModelLocator.defaultModelPath)
            (config.pool, config.node) = (Self.edgeDefaults.pool, "edge-local-0")
            config.routeFrom = Self.edgeDefaults.routeFrom
            config.share = Self.edgeDefaults.share
        } else {
            return nil
        }
        do {
            return try LocalNodeRuntime.start(config)
        } catch let e as LocalNodeError {
            throw UserError(e.description)
        }
    }
}

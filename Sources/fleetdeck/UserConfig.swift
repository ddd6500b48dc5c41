import Actions
import FleetCore
import LocalNode
import Foundation
import Telemetry

/// `~/.config/fleetdeck/config.yaml` (or `--config FILE`): the console's settings and what
/// `watch` scrapes, with pool prices and `actions:` (actuators, guards); unknown keys are an error
/// so typos show.
struct UserConfig {
    var theme: String?
    var ascii: Bool?
    var watch = WatchConfig()
    /// `actions:`: which actuator acts on each watched pool.
    var actions: ActionsConfig?
    /// `local:`: a local inference node beside the fleet.
    var local: LocalNodeConfig?
    var path: String?

    static var defaultPath: String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/fleetdeck/config.yaml"
    }

    /// The explicit file (which must exist), or the default one if present.
    static func load(explicit: String?) throws -> UserConfig {
        let path = explicit ?? defaultPath
        guard FileManager.default.fileExists(atPath: path) else {
            if explicit != nil { throw UserError("config file not found: \(path)") }
            return UserConfig()
        }
        let doc = try YAMLValue.load(contentsOf: path)
        try doc.allowKeys(Set(["theme", "ascii", "actions", "local"]).union(WatchConfig.keys))
        return UserConfig(theme: try doc.optional("theme")?.string(), ascii: try doc.optional("ascii")?.bool(),
                          watch: try WatchConfig.read(doc), actions: try doc.optional("actions").map(ActionsConfig.read),
                          local: try doc.optional("local").map(LocalNodeConfig.read), path: path)
    }
}

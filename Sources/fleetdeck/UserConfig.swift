import Actions
import Console
import FleetCore
import LocalNode
import Foundation
import Scheduler
import Telemetry

/// `~/.config/fleetdeck/config.yaml` (or `--config FILE`): the console's settings and what
/// `watch` scrapes, with pool prices and `actions:` (actuators, guards); unknown keys are an error
/// so typos show.
struct UserConfig {
    var theme: String?
    var ascii: Bool?
    /// `mouse: false`: as `--no-mouse`.
    var mouse: Bool?
    var watch = WatchConfig()
    /// `actions:`: which actuator acts on each watched pool.
    var actions: ActionsConfig?
    /// `twin:`: what the scheduler model's twin of the watched pools is told (Docs/twin.md).
    var twin = TwinSettings()
    /// `local:`: a local inference node beside the fleet.
    var local: LocalNodeConfig?
    /// `keys:` (an action's name: a key or a list of keys) applied to the standard keymap.
    var keymap = Keymap.standard
    /// `aliases:` for the `:` command line.
    var aliases: [String: String] = [:]
    /// `commands:`: the operator's own commands (Docs/console.md).
    var userCommands: [UserCommand] = []
    /// `contexts:`: the fleets this config names, and `context:`, the one `watch` opens on.
    var contexts: [FleetContext] = []
    var defaultContext: String?
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
        try doc.allowKeys(Set(["theme", "ascii", "mouse", "actions", "local", "keys", "aliases", "commands", "contexts", "context", "twin"])
            .union(WatchConfig.keys))
        var config = UserConfig(theme: try doc.optional("theme")?.string(), ascii: try doc.optional("ascii")?.bool(),
                                mouse: try doc.optional("mouse")?.bool(),
                                watch: try WatchConfig.read(doc), actions: try doc.optional("actions").map(ActionsConfig.read),
                                local: try doc.optional("local").map(LocalNodeConfig.read),
                                keymap: try doc.optional("keys").map(readKeymap) ?? .standard,
                                aliases: try doc.optional("aliases").map(readAliases) ?? [:], path: path)
        if let section = try doc.optional("twin") { config.twin = try TwinSettings.read(section, relativeTo: path) }
        if let section = try doc.optional("contexts") { config.contexts = try FleetContext.list(section, relativeTo: path) }
        if let value = try doc.optional("context") {
            let name = try value.string()
            guard config.contexts.contains(where: { $0.name == name }) else {
                throw value.error("no context named '\(name)' under contexts:")
            }
            config.defaultContext = name
        }
        if let section = try doc.optional("commands") {
            config.userCommands = try UserCommandsConfig.read(section)
            for c in config.userCommands where CommandSpec.isBuiltIn(c.name) || config.aliases[c.name] != nil {
                throw try section.required(c.name).error("'\(c.name)' is a built-in command or an alias already")
            }
            do throws(KeymapError) {
                config.keymap = try config.keymap.adding(config.userCommands)
            } catch {
                throw section.error(error.message)
            }
            if let clash = config.keymap.conflicts.first { throw section.error(clash) }
        }
        return config
    }

    /// `keys: {scale-up: "=", quit: [q, ctrl-x]}`: each action on the keys given instead of its
    /// own (an empty list unbinds it). Unknown actions, bad key names and two actions on one
    /// key where both apply are errors naming the line.
    static func readKeymap(_ section: YAMLValue) throws -> Keymap {
        var keymap = Keymap.standard
        for (action, value) in try section.entries() {
            let list = try? value.array()
            let keys = try list?.map { try $0.string() } ?? [value.string()]
            do throws(KeymapError) {
                try keymap.rebind(action, to: keys)
            } catch {
                throw value.error(error.message)
            }
        }
        if let clash = keymap.conflicts.first { throw section.error(clash) }
        return keymap
    }

    /// `aliases: {sc: "scale chat-70b-blue", ov: overview}`.
    static func readAliases(_ section: YAMLValue) throws -> [String: String] {
        var aliases: [String: String] = [:]
        for (name, value) in try section.entries() {
            let expansion = try value.string()
            if let problem = CommandAliases.problem(name: name, expansion: expansion) { throw value.error(problem) }
            aliases[name] = expansion
        }
        return aliases
    }
}

import Console
import FleetCore
import Foundation

/// One fleet of the config's `contexts:` (as kubectl's and k9s' contexts): a name, the watch
/// config that says how to reach it (sources, pools, actuators), whether actions are off on
/// it, and the colour the header names it in.
struct FleetContext: Equatable {
    var name: String
    /// A watch config file, relative to the config that names it.
    var config: String
    var readOnly: Bool
    var role: StyleRole

    var badge: ContextBadge { ContextBadge(name: name, role: role) }

    /// Header colours by name; a context called anything with "prod" in it is red unless told.
    static let colours: [String: StyleRole] = ["red": .crit, "yellow": .warn, "green": .ok, "blue": .accent, "plain": .status]

    /// `contexts: [{name: prod, config: prod.yaml, read_only: true, colour: red}, ...]`.
    static func list(_ v: YAMLValue, relativeTo base: String) throws -> [FleetContext] {
        var out: [FleetContext] = []
        for item in try v.array() {
            try item.allowKeys(["name", "config", "read_only", "colour", "color"])
            let nameValue = try item.required("name")
            let name = try nameValue.string()
            guard !name.isEmpty, name.count <= 40, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw nameValue.error("a context's name is 1 to 40 letters, digits, '-', '_' or '.'")
            }
            guard !out.contains(where: { $0.name == name }) else { throw nameValue.error("context '\(name)' is named twice") }
            let path = try item.required("config").string()
            let colour = try (item.optional("colour") ?? item.optional("color")).map { try $0.oneOf(colours.keys.sorted()) }
            out.append(FleetContext(name: name, config: path.hasPrefix("/") ? path : URL(fileURLWithPath: base).deletingLastPathComponent().appendingPathComponent(path).path,
                                    readOnly: try item.optional("read_only")?.bool() ?? false,
                                    role: colour.flatMap { colours[$0] } ?? (name.lowercased().contains("prod") ? .crit : .accent)))
        }
        return out
    }
}

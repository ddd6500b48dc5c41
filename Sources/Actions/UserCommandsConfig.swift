import FleetCore

/// The config's `commands:`, the operator's own commands (k9s' plugins):
///
///     commands:
///       logs:
///         description: the engine's last 200 log lines
///         scope: node                 # node or pool
///         argv: [kubectl, logs, -n, "{namespace}", "{node}", --tail=200]
///         vars: {namespace: llm}
///         key: L                      # optional: a key that runs it, beside :logs
///         dangerous: false            # only reads: kept under --read-only (default true)
///         timeout_s: 20
///
/// `{node}` (node scope) and `{pool}` are filled from the selection, and only with DNS-1123
/// names; everything else comes from `vars`. No shell ever runs.
public enum UserCommandsConfig {
    public static func read(_ doc: YAMLValue) throws -> [UserCommand] {
        var commands: [UserCommand] = []
        for (name, c) in try doc.entries() {
            guard ActionsConfig.isDNSLabel(name) else {
                throw c.error("a command's name is lowercase letters, digits and '-' (it is typed after ':')")
            }
            try c.allowKeys(["description", "scope", "argv", "vars", "key", "dangerous", "timeout_s"])
            let scope = UserCommand.Scope(rawValue: try c.required("scope").oneOf(UserCommand.Scope.allCases.map(\.rawValue)))!
            let (argv, vars) = try ActionsConfig.readArgv(c, computed: scope == .node ? ["node", "pool"] : ["pool"])
            commands.append(UserCommand(name: name, description: try c.optional("description")?.string() ?? argv.joined(separator: " "),
                                        scope: scope, argv: argv, vars: vars,
                                        timeout: try c.optional("timeout_s")?.double(in: 0.1...3600) ?? 30,
                                        dangerous: try c.optional("dangerous")?.bool() ?? true, key: try c.optional("key")?.string()))
        }
        return commands.sorted { $0.name < $1.name }
    }
}

/// A command of the operator's own, from the config's `commands:` (k9s calls them plugins):
/// an argv template run on the selected node or pool through the same exec machinery, guards,
/// dialog and audit log as an action. Never a shell.
public struct UserCommand: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable {
        case node, pool
    }

    public var name: String
    public var description: String
    public var scope: Scope
    /// Placeholders: `{node}` (node scope), `{pool}`, and the command's `vars`.
    public var argv: [String]
    public var vars: [String: String]
    public var timeout: Double
    /// It changes the fleet: `--read-only` removes it. Commands that only read (logs, a
    /// describe) say `dangerous: false`.
    public var dangerous: Bool
    /// The key that runs it, by name (`ctrl-l`, `L`); nil for the command line only.
    public var key: String?

    public init(name: String, description: String, scope: Scope, argv: [String], vars: [String: String] = [:],
                timeout: Double = 30, dangerous: Bool = true, key: String? = nil) {
        self.name = name; self.description = description; self.scope = scope; self.argv = argv
        self.vars = vars; self.timeout = timeout; self.dangerous = dangerous; self.key = key
    }
}

/// A user command aimed at one node or pool: what the dialog plans and the executor runs.
public struct UserCommandRun: Sendable, Equatable {
    public var command: UserCommand
    /// The node (node scope) or the pool.
    public var target: String
    /// The target's pool (the node's own pool for node scope), for `{pool}`.
    public var pool: String

    public init(command: UserCommand, target: String, pool: String) {
        self.command = command; self.target = target; self.pool = pool
    }
}

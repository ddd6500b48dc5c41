import FleetCore

/// One `:` command, declared once: the command line runs, completes and documents it from this.
public struct CommandSpec: Sendable {
    enum Argument: Sendable {
        case pool, node, degradeMode, onOff, sortColumn, sortOrder, theme, context, count, percent, filterText
    }

    let name: String
    let usage: String
    let help: String
    let arguments: [Argument]
    /// At least this many arguments.
    let required: Int
    /// It changes the fleet: refused under `--read-only`.
    let dangerous: Bool

    init(_ name: String, _ usage: String = "", _ help: String, arguments: [Argument] = [], required: Int? = nil, dangerous: Bool = false) {
        self.name = name
        self.usage = usage
        self.help = help
        self.arguments = arguments
        self.required = required ?? arguments.count
        self.dangerous = dangerous
    }

    static let all: [CommandSpec] = ScreenID.allCases.map { CommandSpec($0.title.lowercased(), "", "the \($0.title) screen") } + [
        CommandSpec("pool", "NAME", "the pool's detail: its nodes, SLOs and error budgets, graphs, actions", arguments: [.pool]),
        CommandSpec("node", "NAME", "open the node's detail", arguments: [.node]),
        CommandSpec("scale", "POOL N|+N|-N", "scale the pool to N replicas, or by +N / -N", arguments: [.pool, .count], dangerous: true),
        CommandSpec("degrade", "POOL MODE [on|off]", "turn a degrade mode on or off (toggles without on/off)",
                    arguments: [.pool, .degradeMode, .onOff], required: 2, dangerous: true),
        CommandSpec("drain", "NODE", "drain the node", arguments: [.node], dangerous: true),
        CommandSpec("shift", "POOL [PERCENT]", "shift PERCENT (10) of blue/green traffic to the pool",
                    arguments: [.pool, .percent], required: 1, dangerous: true),
        CommandSpec("filter", "[EXPR]", "filter the table on screen (empty clears): words, FIELD:word, !word, re:REGEX",
                    arguments: [.filterText], required: 0),
        CommandSpec("sort", "COLUMN [asc|desc]", "sort the node tables", arguments: [.sortColumn, .sortOrder], required: 1),
        CommandSpec("theme", "NAME", "switch the colour theme", arguments: [.theme]),
        CommandSpec("ctx", "NAME", "switch to another fleet of the config's contexts", arguments: [.context]),
        CommandSpec("export", "[FILE]", "write this screen's table to FILE (.json: JSON, else CSV), or to the exports folder",
                    arguments: [.filterText], required: 0),
        CommandSpec("record", "[FILE|stop]", "record this fleet to FILE (.gz compresses) from now, stop recording, or say which file",
                    arguments: [.filterText], required: 0),
        CommandSpec("help", "", "the keys and these commands"),
        CommandSpec("quit", "", "quit (also :q)"),
    ]

    static func named(_ name: String) -> CommandSpec? {
        all.first { $0.name == name } ?? (name == "q" || name == "q!" ? all.first { $0.name == "quit" } : nil)
    }
}

extension CommandSpec {
    /// Whether `name` is one of the console's own `:` commands.
    public static func isBuiltIn(_ name: String) -> Bool { named(name) != nil }
}

/// The config's `aliases:`: a word that stands for the start of a `:` command line.
public enum CommandAliases {
    /// Why an alias cannot be used, or nil when it can.
    public static func problem(name: String, expansion: String) -> String? {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return "an alias is one word of letters, digits, - and _"
        }
        guard CommandSpec.named(name) == nil else { return "'\(name)' is a command already" }
        guard let first = expansion.split(separator: " ").first else { return "an alias needs a command to stand for" }
        guard CommandSpec.named(String(first)) != nil else {
            return "'\(TerminalText.sanitized(String(first)))' is not a command (commands: \(CommandSpec.all.map(\.name).joined(separator: ", ")))"
        }
        guard expansion.count <= CommandLineInput.maxLength, expansion.allSatisfy(TerminalText.isPrintable) else {
            return "an alias's command is one printable line of at most \(CommandLineInput.maxLength) characters"
        }
        return nil
    }
}

import FleetCore

/// Where the operator is: a screen, or a node's detail opened over one.
public enum Place: Hashable, Sendable {
    case screen(ScreenID)
    case nodeDetail
    case poolDetail

    /// The screens whose rows are nodes, and the node detail: where a node is the target.
    static let nodeTargets: Set<Place> = [.screen(.overview), .screen(.nodes), .nodeDetail]
    /// Where a key targets a pool: through the selected node, or the Pools screen's own row.
    static let poolTargets: Set<Place> = nodeTargets.union([.screen(.pools), .poolDetail])
    /// Tables with a selection that moves.
    static let tables: Set<Place> = [.screen(.overview), .screen(.nodes), .screen(.pools)]
    /// Tables `/` filters: every screen's but the scheduler's.
    static let filtered: Set<Place> = Set(ScreenID.allCases.filter { $0 != .scheduler }.map { .screen($0) }).union([.poolDetail])
}

/// Where a binding applies.
public enum BindingScope: Equatable, Sendable {
    /// On every screen, while browsing.
    case everywhere
    case places(Set<Place>)
    /// During a replay, ahead of every other binding of its key: the transport.
    case replay

    func contains(_ place: Place, replaying: Bool) -> Bool {
        switch self {
        case .everywhere: return true
        case .places(let set): return set.contains(place)
        case .replay: return replaying
        }
    }

    /// Whether one key could mean both: the two scopes meet somewhere. The replay transport
    /// shadows the others on purpose (`[` seeks in a replay, scrolls the log live), so it
    /// clashes only with itself.
    func overlaps(_ other: BindingScope) -> Bool {
        switch (self, other) {
        case (.replay, .replay): return true
        case (.replay, _), (_, .replay): return false
        case (.everywhere, _), (_, .everywhere): return true
        case let (.places(a), .places(b)): return !a.isDisjoint(with: b)
        }
    }

    /// The replay transport wins over the rest of a key's bindings during a replay.
    var precedence: Int { self == .replay ? 1 : 0 }
}

/// One key binding: dispatch, the footer and the help overlay all read these.
public struct KeyBinding: Equatable, Sendable {
    public var command: ConsoleCommand
    /// The keys that send it; the first is the one the footer shows.
    public var keys: [Key]
    /// The footer's word for it.
    public var label: String
    /// The help overlay's line.
    public var help: String
    public var scope: BindingScope
    public var inFooter: Bool
    /// It changes the fleet: `--read-only` removes it from dispatch, footer and help.
    public var dangerous: Bool
    /// For `.userCommand`: which of the config's `commands:`.
    public var userCommand: String?

    /// How errors and the help name it.
    public var name: String { userCommand.map { ":" + $0 } ?? command.rawValue }

    public init(_ command: ConsoleCommand, _ keys: [Key], label: String, help: String, scope: BindingScope = .everywhere,
                footer: Bool = false, dangerous: Bool = false) {
        self.command = command
        self.keys = keys
        self.label = label
        self.help = help
        self.scope = scope
        inFooter = footer
        self.dangerous = dangerous
    }

    /// The binding of a user command with a `key:`, where its target can be: a node command
    /// where a node is selected, a pool command where a pool is.
    public init(_ command: UserCommand, key: Key) {
        self.init(.userCommand, [key], label: command.name, help: command.description,
                  scope: .places(command.scope == .node ? Place.nodeTargets : Place.poolTargets), dangerous: command.dangerous)
        userCommand = command.name
    }
}

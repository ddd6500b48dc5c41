import FleetCore

/// The `:` line being typed.
public struct CommandLineInput: Equatable, Sendable {
    public var text = ""
    /// Where ↑/↓ are in the history (an index into it); nil while typing fresh text.
    public var historyIndex: Int?
    /// What the last Tab found when it could not choose one, shown above the prompt.
    public var candidates: [String] = []

    public init(text: String = "") { self.text = text }

    /// Longest accepted line: a command, never a paste of a log.
    static let maxLength = 200
    /// Lines kept in the history.
    static let historyLimit = 100
}

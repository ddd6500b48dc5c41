import FleetCore

/// What the console remembers of a fleet's view between runs (k9s does the same per
/// context): the screen, the node tables' sort and filter, and the `:` history.
public struct RememberedView: Codable, Equatable, Sendable {
    public var screen: Int
    public var sort: String
    public var sortDescending: Bool
    public var filter: String
    public var commandHistory: [String]

    public init(_ state: ConsoleState) {
        screen = state.screen.rawValue
        sort = state.sort.title
        sortDescending = state.sortDescending
        filter = state.filter
        commandHistory = Array(state.commandHistory.suffix(CommandLineInput.historyLimit))
    }

    /// `state` with what was remembered laid over it. What no longer makes sense (a screen
    /// or a column this build does not have, a filter with control characters, a line past
    /// the command line's length) is left out, not trusted: the file is only a file.
    public func applied(to state: ConsoleState) -> ConsoleState {
        var s = state
        if let screen = ScreenID(rawValue: screen) { s.screen = screen }
        if let column = NodeSortColumn.allCases.first(where: { $0.title == sort }) {
            s.sort = column
            s.sortDescending = sortDescending
        }
        if filter.count <= 64, filter.allSatisfy(TerminalText.isPrintable) { s.filter = filter }
        s.commandHistory = commandHistory.suffix(CommandLineInput.historyLimit)
            .filter { $0.count <= CommandLineInput.maxLength && $0.allSatisfy(TerminalText.isPrintable) }
        return s
    }
}

import FleetCore

extension KeyHandler {
    /// The wheel moves the selection (or scrolls the help, or the events log on its screen); a
    /// click does what the thing under it says: a tab shows its screen, a row selects its node
    /// or pool (a double click opens it), a key hint in the footer is that key. While a
    /// dialog, a menu or a prompt is open the mouse does nothing there.
    static func mouse(_ event: MouseEvent, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        let wheel: Int? = switch event.action {
        case .wheelUp: -1
        case .wheelDown: 1
        default: nil
        }
        switch s.mode {
        case .help(let scroll):
            if let wheel { s.mode = .help(scroll: max(0, scroll + 3 * wheel)) } else { s.mode = .browsing }
            return KeyOutcome(s)
        case .browsing: break
        default: return KeyOutcome(s)
        }
        if let wheel {
            if s.place == .screen(.events) || s.place == .screen(.overview) && ctx.regions.target(atX: event.x, y: event.y) == nil {
                return perform(wheel < 0 ? .eventsBack : .eventsForward, s, ctx)
            }
            return Place.tables.contains(s.place) ? perform(wheel < 0 ? .up : .down, s, ctx) : KeyOutcome(s)
        }
        switch ctx.regions.target(atX: event.x, y: event.y) {
        case .screen(let screen)?:
            s.screen = screen
            s.closeDetail()
        case .node(let id)?:
            s.selectedNodeID = id
            if event.action == .doubleClick { s.detailNodeID = id }
        case .pool(let id)?:
            s.selectedPoolID = id
            // The overview's queue line (or an alert's row) opens the pool at once; the Pools
            // table's row on a double click: its detail, as `:pool NAME`.
            if event.action == .doubleClick || s.place != .screen(.pools) { CommandLineEditor.openPool(id, &s) }
        case .command(let command)?:
            return perform(command, s, ctx)
        case nil: break
        }
        return KeyOutcome(s)
    }
}

import FleetCore

/// Every binding, declared once. Dispatch, the footer and the help overlay read this list, so a
/// key rebound in the config (`keys:`) or removed by `--read-only` changes all three.
public struct Keymap: Equatable, Sendable {
    public private(set) var bindings: [KeyBinding]

    public init(_ bindings: [KeyBinding]) { self.bindings = bindings }

    /// In the order the footer and the help list them: the footer keeps as many as fit whole.
    public static let standard = Keymap([
        KeyBinding(.help, [.char("?")], label: "help", help: "this help", footer: true),
        KeyBinding(.command, [.char(":")], label: "command", help: "command line (:help lists the commands)", footer: true),
        KeyBinding(.back, [.escape], label: "back", help: "back: close the detail, clear the filter, resume", footer: true),
        // Screens: digits switch, as btop's do; counts live in the scale dialog and `:scale`.
        KeyBinding(.overview, [.char("1")], label: "overview", help: "overview screen"),
        KeyBinding(.nodes, [.char("2")], label: "nodes", help: "nodes screen"),
        KeyBinding(.pools, [.char("3")], label: "pools", help: "pools screen"),
        KeyBinding(.events, [.char("4")], label: "events", help: "events screen"),
        KeyBinding(.sources, [.char("5")], label: "sources", help: "sources screen"),
        KeyBinding(.audit, [.char("6")], label: "audit", help: "audit screen"),
        KeyBinding(.scheduler, [.char("7")], label: "scheduler", help: "scheduler screen"),
        KeyBinding(.alerts, [.char("8")], label: "alerts", help: "alerts screen: firing and pending alerts, error budgets, their history"),
        KeyBinding(.nextScreen, [.tab], label: "screens", help: "next screen", footer: true),
        KeyBinding(.previousScreen, [.backTab], label: "back", help: "previous screen"),
        // Moving in a table.
        KeyBinding(.up, [.up, .char("k")], label: "up", help: "select the row above", scope: .places(Place.tables)),
        KeyBinding(.down, [.down, .char("j")], label: "down", help: "select the row below", scope: .places(Place.tables)),
        KeyBinding(.pageUp, [.pageUp], label: "page up", help: "a page up", scope: .places(Place.tables)),
        KeyBinding(.pageDown, [.pageDown], label: "page down", help: "a page down", scope: .places(Place.tables)),
        KeyBinding(.first, [.home, .char("g")], label: "first", help: "first row", scope: .places(Place.tables)),
        KeyBinding(.last, [.end, .char("G")], label: "last", help: "last row", scope: .places(Place.tables)),
        KeyBinding(.open, [.enter], label: "detail", help: "open the selected node's or pool's detail",
                   scope: .places([.screen(.overview), .screen(.nodes), .screen(.pools)]), footer: true),
        KeyBinding(.inspect, [.char("i")], label: "inspect",
                   help: "the node's engine page, fetched now: every series (type to search), its configuration, its problems",
                   scope: .places(Place.nodeTargets)),
        KeyBinding(.filter, [.char("/")], label: "filter",
                   help: "filter the table: words, FIELD:word (pool:chat state:down), !word, re:REGEX (Enter keeps, Esc clears)",
                   scope: .places(Place.filtered), footer: true),
        KeyBinding(.sort, [.char("s")], label: "sort", help: "cycle the sort column",
                   scope: .places([.screen(.overview), .screen(.nodes)]), footer: true),
        KeyBinding(.reverseSort, [.char("S")], label: "reverse", help: "reverse the sort order",
                   scope: .places([.screen(.overview), .screen(.nodes)])),
        KeyBinding(.mark, [.char(" ")], label: "mark", help: "mark the node (then D drains every marked node; Esc clears)",
                   scope: .places([.screen(.overview), .screen(.nodes)])),
        KeyBinding(.pause, [.char("p")], label: "pause", help: "pause the display; data keeps flowing", footer: true),
        KeyBinding(.eventsBack, [.char("[")], label: "older", help: "scroll the events log back",
                   scope: .places([.screen(.overview), .screen(.events)])),
        KeyBinding(.eventsForward, [.char("]")], label: "newer", help: "scroll the events log forward",
                   scope: .places([.screen(.overview), .screen(.events)])),
        KeyBinding(.historySpan, [.char("z")], label: "15m/24h", help: "node graphs: 15 min by the second / 24 h by the minute",
                   scope: .places([.nodeDetail]), footer: true),
        // Actions: each opens the confirmation dialog; nothing happens before `y`.
        KeyBinding(.scaleUp, [.char("+")], label: "scale+", help: "scale the pool up (+ and - in the dialog change the count)",
                   scope: .places(Place.poolTargets), footer: true, dangerous: true),
        KeyBinding(.scaleDown, [.char("-")], label: "scale-", help: "scale the pool down",
                   scope: .places(Place.poolTargets), footer: true, dangerous: true),
        KeyBinding(.degrade, [.char("d")], label: "degrade", help: "degrade menu for the pool",
                   scope: .places(Place.poolTargets), footer: true, dangerous: true),
        KeyBinding(.drain, [.char("D")], label: "drain", help: "drain the selected node, or every marked one",
                   scope: .places(Place.nodeTargets), footer: true, dangerous: true),
        KeyBinding(.shift, [.char("b")], label: "shift", help: "shift 10% of blue/green traffic to the pool",
                   scope: .places(Place.poolTargets), footer: true, dangerous: true),
        KeyBinding(.undo, [.char("u")], label: "undo", help: "propose the inverse of the last confirmed action (the same dialog)",
                   dangerous: true),
        KeyBinding(.applyAdvice, [.char("a")], label: "apply", help: "apply the advisor's recommendation",
                   scope: .places([.screen(.scheduler)]), footer: true, dangerous: true),
        KeyBinding(.export, [.ctrl("s")], label: "export", help: "write this screen's table to a CSV file (:export FILE.json for JSON)",
                   scope: .places(Place.filtered.subtracting([.poolDetail]))),
        KeyBinding(.quit, [.char("q")], label: "quit", help: "quit", footer: true),
        // The replay transport (`fleetdeck replay`), ahead of the keys above during a replay.
        KeyBinding(.replayPause, [.char(" ")], label: "play/pause", help: "pause / play", scope: .replay),
        KeyBinding(.replayStepBack, [.left], label: "step", help: "one tick back", scope: .replay),
        KeyBinding(.replayStepForward, [.right], label: "step", help: "one tick forward", scope: .replay),
        KeyBinding(.replaySeekBack, [.char("[")], label: "-1m", help: "seek one minute back", scope: .replay),
        KeyBinding(.replaySeekForward, [.char("]")], label: "+1m", help: "seek one minute forward", scope: .replay),
        KeyBinding(.replayPreviousEvent, [.char("{")], label: "prev event",
                   help: "jump to the previous event (incident, action, SLO breach, alert)", scope: .replay),
        KeyBinding(.replayNextEvent, [.char("}")], label: "next event", help: "jump to the next event", scope: .replay),
        KeyBinding(.replaySlower, [.char("<")], label: "slower", help: "half speed (down to 0.25x)", scope: .replay),
        KeyBinding(.replayFaster, [.char(">")], label: "faster", help: "double speed (up to 64x)", scope: .replay),
        KeyBinding(.replayGoTo, [.char("g")], label: "go to", help: "go to a time: HH:MM[:SS] of day, or +M[:SS] from the start",
                   scope: .replay),
    ])

    /// The binding a key sends here, the most specific first.
    public func binding(for key: Key, at place: Place, replaying: Bool) -> KeyBinding? {
        bindings.filter { $0.keys.contains(key) && $0.scope.contains(place, replaying: replaying) }
            .max { $0.scope.precedence < $1.scope.precedence }
    }

    /// What applies here, in declaration order, with the keys another binding shadows here taken
    /// out (the help and the footer must not offer a key that does something else).
    public func active(at place: Place, replaying: Bool) -> [KeyBinding] {
        bindings.compactMap { b in
            guard b.scope.contains(place, replaying: replaying) else { return nil }
            var shown = b
            shown.keys = b.keys.filter { binding(for: $0, at: place, replaying: replaying)?.name == b.name }
            return shown.keys.isEmpty ? nil : shown
        }
    }

    public func binding(of command: ConsoleCommand) -> KeyBinding? { bindings.first { $0.command == command } }

    /// The map with a binding for each user command that names a key; a bad key name is an
    /// error naming the command.
    public func adding(_ commands: [UserCommand]) throws(KeymapError) -> Keymap {
        var map = self
        for c in commands {
            guard let name = c.key else { continue }
            do throws(KeymapError) {
                map.bindings.append(KeyBinding(c, key: try Key(name: name)))
            } catch {
                throw KeymapError("commands.\(c.name).key: \(error.message)")
            }
        }
        return map
    }

    /// The map without what changes the fleet (`--read-only`).
    public func withoutDangerous() -> Keymap { Keymap(bindings.filter { !$0.dangerous }) }

    /// `command` on `keys` instead of its own; an empty list unbinds it.
    public mutating func rebind(_ name: String, to keys: [String]) throws(KeymapError) {
        guard let command = ConsoleCommand(rawValue: name), command != .userCommand else {
            throw KeymapError("unknown action '\(TerminalText.sanitized(name))' (known: \(ConsoleCommand.allCases.filter { $0 != .userCommand }.map(\.rawValue).joined(separator: ", ")))")
        }
        var parsed: [Key] = []
        for k in keys { parsed.append(try Key(name: k)) }
        for i in bindings.indices where bindings[i].command == command { bindings[i].keys = parsed }
    }

    /// Two commands on one key where both apply, described for an error; empty when none.
    public var conflicts: [String] {
        var found: [String] = []
        for (i, a) in bindings.enumerated() {
            for b in bindings[(i + 1)...] where a.scope.overlaps(b.scope) {
                for key in a.keys where b.keys.contains(key) {
                    found.append("'\(key.label(.ascii))' is bound to both \(a.name) and \(b.name)")
                }
            }
        }
        return found
    }
}

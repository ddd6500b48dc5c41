import FleetCore

/// The `:` line: editing, history (↑ ↓), completion (Tab), and running what was typed.
enum CommandLineEditor {
    static func edit(_ key: Key, _ input: CommandLineInput, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        var line = input
        line.candidates = []
        switch key {
        case .escape:
            s.mode = .browsing
            return KeyOutcome(s)
        case .enter:
            s.mode = .browsing
            let text = line.text.trimmingWhitespace
            guard !text.isEmpty else { return KeyOutcome(s) }
            if s.commandHistory.last != text { s.commandHistory.append(text) }
            if s.commandHistory.count > CommandLineInput.historyLimit { s.commandHistory.removeFirst() }
            return run(text, s, ctx)
        case .backspace:
            if line.text.isEmpty { s.mode = .browsing; return KeyOutcome(s) }
            line.text.removeLast()
            line.historyIndex = nil
        case .ctrl("u"):
            line.text = ""
            line.historyIndex = nil
        case .tab:
            line = complete(line.text, ctx)
        case .up, .down:
            let history = s.commandHistory
            guard !history.isEmpty else { break }
            let current = line.historyIndex ?? history.count
            let next = key == .up ? max(0, current - 1) : current + 1
            if next >= history.count {
                line.historyIndex = nil
                line.text = ""
            } else {
                line.historyIndex = next
                line.text = history[next]
            }
        case .char(let c):
            if TerminalText.isPrintable(c), line.text.count < CommandLineInput.maxLength {
                line.text.append(c)
                line.historyIndex = nil
            }
        default: break
        }
        s.mode = .commandLine(line)
        return KeyOutcome(s)
    }

    // MARK: running

    /// Runs one command line. A bad one leaves the state as it was, with the reason.
    static func run(_ text: String, _ state: ConsoleState, _ ctx: KeyContext) -> KeyOutcome {
        var s = state
        let words = expandingAlias(text, ctx.aliases).split(separator: " ").map(String.init)
        guard let name = words.first else { return KeyOutcome(s) }
        func fail(_ why: String) -> KeyOutcome {
            s.message = StatusMessage(":\(TerminalText.sanitized(name)): \(why)", isError: true)
            return KeyOutcome(s)
        }
        guard let spec = CommandSpec.named(name) else {
            if let user = ctx.userCommands.first(where: { $0.name == name }) {
                guard words.count <= 2 else { return fail("usage: :\(user.name) [\(user.scope.rawValue.uppercased())]") }
                return KeyHandler.runUserCommand(user, on: words.count == 2 ? words[1] : nil, s, ctx)
            }
            return fail("unknown command (:help lists them)")
        }
        let args = Array(words.dropFirst())
        guard args.count >= spec.required else { return fail("usage: :\(spec.name) \(spec.usage)") }
        guard spec.arguments.contains(.filterText) || args.count <= spec.arguments.count else {
            return fail("too many arguments; usage: :\(spec.name) \(spec.usage)")
        }
        if spec.dangerous && ctx.readOnly { return fail("read-only (--read-only): actions are off") }
        let snap = s.frozen ?? ctx.snapshot

        if let screen = ScreenID.allCases.first(where: { $0.title.lowercased() == spec.name }) {
            s.screen = screen
            s.closeDetail()
            return KeyOutcome(s)
        }
        switch spec.name {
        case "pool":
            guard let pool = snap?.pool(args[0]) else { return fail("no pool '\(TerminalText.sanitized(args[0]))'") }
            openPool(pool.id, &s)
        case "node":
            guard let node = snap?.nodes.first(where: { $0.id == args[0] }) else { return fail("no node '\(TerminalText.sanitized(args[0]))'") }
            s.selectedNodeID = node.id
            s.detailNodeID = node.id
        case "scale":
            guard let pool = snap?.pool(args[0]) else { return fail("no pool '\(TerminalText.sanitized(args[0]))'") }
            let n = args[1]
            guard let value = Int(n.hasPrefix("+") ? String(n.dropFirst()) : n), value.magnitude <= 10_000 else {   // the fleet cap (Scenario.maxNodes)
                return fail("N is a replica count, or +N / -N")
            }
            let delta = n.hasPrefix("+") || n.hasPrefix("-") ? value : value - pool.nodes
            guard delta != 0 else { return fail("\(pool.id) already has \(pool.nodes) replicas") }
            return KeyOutcome(s, [.plan(.scale(pool: pool.id, delta: delta))])
        case "degrade":
            guard let pool = snap?.pool(args[0]) else { return fail("no pool '\(TerminalText.sanitized(args[0]))'") }
            guard let mode = DegradeMode(rawValue: args[1]) else {
                return fail("modes: \(DegradeMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let on: Bool
            switch args.count > 2 ? args[2] : nil {
            case nil: on = !(pool.degradeModes ?? []).contains(mode)
            case "on": on = true
            case "off": on = false
            default: return fail("on or off")
            }
            return KeyOutcome(s, [.plan(.degrade(pool: pool.id, mode: mode, on: on))])
        case "drain":
            guard let node = snap?.nodes.first(where: { $0.id == args[0] }) else { return fail("no node '\(TerminalText.sanitized(args[0]))'") }
            return KeyOutcome(s, [.plan(.drain(node: node.id))])
        case "shift":
            guard let pool = snap?.pool(args[0]) else { return fail("no pool '\(TerminalText.sanitized(args[0]))'") }
            let percent = args.count > 1 ? Double(args[1].hasSuffix("%") ? String(args[1].dropLast()) : args[1]) : 10
            guard let percent, percent > 0, percent <= 100 else { return fail("PERCENT is between 0 and 100") }
            return KeyOutcome(s, [.plan(.shift(toward: pool.id, from: nil, percent: percent))])
        case "filter":
            let expr = args.joined(separator: " ")
            // The table on screen; the scheduler has none, so its filter is the nodes'.
            if s.screen == .scheduler { s.screen = .nodes }
            if let error = TableFilter(expr, fields: TableRows.fields(s)).error { return fail(error) }
            s.activeFilter = String(expr.prefix(64))
        case "sort":
            guard let column = NodeSortColumn.allCases.first(where: { $0.title.lowercased() == args[0].lowercased() }) else {
                return fail("columns: \(NodeSortColumn.allCases.map(\.title).joined(separator: ", "))")
            }
            s.sort = column
            switch args.count > 1 ? args[1] : nil {
            case nil: s.sortDescending = column.descendingByDefault
            case "asc": s.sortDescending = false
            case "desc": s.sortDescending = true
            default: return fail("asc or desc")
            }
        case "theme":
            guard ctx.themes.isEmpty || ctx.themes.contains(args[0]) else {
                return fail("themes: \(ctx.themes.joined(separator: ", "))")
            }
            return KeyOutcome(s, [.theme(args[0])])
        case "ctx":
            guard !ctx.contexts.isEmpty else { return fail("no contexts: name fleets under contexts: in the config") }
            if let locked = ctx.contextsLocked { return fail(locked) }
            guard ctx.contexts.contains(args[0]) else { return fail("contexts: \(ctx.contexts.joined(separator: ", "))") }
            guard args[0] != ctx.currentContext else { return fail("already on \(args[0])") }
            return KeyOutcome(s, [.switchContext(args[0])])
        case "export":
            // The rest of the line is the path, spaces and all.
            let path = text.split(separator: " ", maxSplits: 1).dropFirst().first.map { String($0).trimmingWhitespace }
            return KeyHandler.export(s, ctx, path: path?.isEmpty == false ? path : nil)
        case "record":
            // The rest of the line is the path, spaces and all.
            let path = text.split(separator: " ", maxSplits: 1).dropFirst().first.map { String($0).trimmingWhitespace }
            return KeyOutcome(s, [.record(path?.isEmpty == false ? path : nil)])
        case "help": s.mode = .help(scroll: 0)
        case "quit": return KeyOutcome(s, [.quit])
        default: return fail("unknown command")
        }
        return KeyOutcome(s)
    }

    /// The pool's detail (`:pool`, Enter or a click on a pool): its nodes, SLOs and budgets,
    /// its graphs and what was done to it.
    static func openPool(_ id: String, _ s: inout ConsoleState) {
        s.screen = .pools
        s.detailNodeID = nil
        s.detailPoolID = id
        s.selectedPoolID = id
    }

    /// The line with its first word replaced by the alias's text, once (an alias cannot loop).
    static func expandingAlias(_ text: String, _ aliases: [String: String]) -> String {
        let words = text.split(separator: " ", maxSplits: 1)
        guard let first = words.first, let expansion = aliases[String(first)] else { return text }
        return words.count > 1 ? expansion + " " + words[1] : expansion
    }

    // MARK: completion

    /// Tab: the word under the cursor completed as far as it is unambiguous; when several
    /// candidates remain, they are listed.
    static func complete(_ text: String, _ ctx: KeyContext) -> CommandLineInput {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let partial = words.removeLast()
        let options: [String]
        if words.isEmpty {
            options = (CommandSpec.all.filter { !($0.dangerous && ctx.readOnly) }.map(\.name) + ctx.aliases.keys
                + ctx.userCommands.filter { !($0.dangerous && ctx.readOnly) }.map(\.name)).sorted()
        } else {
            let name = expandingAlias(words.joined(separator: " "), ctx.aliases).split(separator: " ").first.map(String.init) ?? ""
            let index = expandingAlias(words.joined(separator: " "), ctx.aliases).split(separator: " ").count - 1
            if let user = ctx.userCommands.first(where: { $0.name == name }), CommandSpec.named(name) == nil {
                guard index == 0 else { return CommandLineInput(text: text) }
                options = values(of: user.scope == .node ? .node : .pool, ctx)
            } else {
                guard let spec = CommandSpec.named(name), index < spec.arguments.count else { return CommandLineInput(text: text) }
                options = values(of: spec.arguments[index], ctx)
            }
        }
        let matches = options.filter { $0.hasPrefix(partial) }
        guard !matches.isEmpty else { return CommandLineInput(text: text) }
        let prefix = (words + [""]).dropLast().map { $0 + " " }.joined()
        if matches.count == 1 { return CommandLineInput(text: prefix + matches[0] + " ") }
        var input = CommandLineInput(text: prefix + commonPrefix(matches))
        input.candidates = matches
        return input
    }

    static func values(of argument: CommandSpec.Argument, _ ctx: KeyContext) -> [String] {
        let snap = ctx.snapshot
        switch argument {
        case .pool: return (snap?.pools.map(\.id) ?? []).sorted()
        case .node: return (snap?.nodes.map(\.id) ?? []).sorted()
        case .degradeMode: return DegradeMode.allCases.map(\.rawValue)
        case .onOff: return ["on", "off"]
        case .sortColumn: return NodeSortColumn.allCases.map { $0.title.lowercased() }
        case .sortOrder: return ["asc", "desc"]
        case .theme: return ctx.themes.sorted()
        case .context: return ctx.contexts
        case .count, .percent, .filterText: return []
        }
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for w in words.dropFirst() {
            while !w.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// The text as a POSIX extended regular expression matching it literally.
    var posixEscaped: String {
        var out = ""
        for c in self {
            if "\\^$.|?*+()[]{}".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

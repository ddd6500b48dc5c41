import FleetCore
import Testing
@testable import Console

/// The `:` line: each command, its errors, completion, history and aliases.
@Suite struct CommandLineTests {
    let keys = KeyDriver(themes: ["dark", "light", "high-contrast"])

    @Test func colonOpensTheLineAndEscapeCancels() {
        let open = keys.type(":sc")
        #expect(open.state.mode == .commandLine(CommandLineInput(text: "sc")))
        #expect(keys.press(.escape, from: open.state).state.mode == .browsing)
        // While typing, keys are text: q does not quit.
        #expect(!keys.type(":q").quits)
        #expect(keys.command("q").quits && keys.command("quit").quits)
    }

    @Test func recordTakesAPathStopOrNothing() {
        #expect(keys.command("record /tmp/my incident.rec").effects == [.record("/tmp/my incident.rec")])
        #expect(keys.command("record stop").effects == [.record("stop")])
        #expect(keys.command("record").effects == [.record(nil)])
    }

    @Test func screensPoolsAndNodes() {
        #expect(keys.command("pools").state.screen == .pools)
        let pool = keys.command("pool chat").state
        #expect(pool.screen == .pools && pool.detailPoolID == "chat" && pool.place == .poolDetail)
        let node = keys.command("node chat-02").state
        #expect(node.detailNodeID == "chat-02")
        #expect(keys.command("node nope").state.message == StatusMessage(":node: no node 'nope'", isError: true))
        #expect(keys.command("frobnicate").state.message?.text == ":frobnicate: unknown command (:help lists them)")
    }

    @Test func actionsPlanThroughTheDialog() {
        #expect(keys.command("scale chat +2").planned == [.scale(pool: "chat", delta: 2)])
        #expect(keys.command("scale chat -1").planned == [.scale(pool: "chat", delta: -1)])
        // A bare number is the replica count wanted: chat has 2.
        #expect(keys.command("scale chat 5").planned == [.scale(pool: "chat", delta: 3)])
        #expect(keys.command("scale chat 2").state.message?.text == ":scale: chat already has 2 replicas")
        #expect(keys.command("scale chat many").planned.isEmpty)
        #expect(keys.command("scale chat 99999999999999999999").planned.isEmpty)
        #expect(keys.command("degrade chat cap_max_tokens").planned == [.degrade(pool: "chat", mode: .capMaxTokens, on: true)])
        #expect(keys.command("degrade chat cap_max_tokens off").planned == [.degrade(pool: "chat", mode: .capMaxTokens, on: false)])
        #expect(keys.command("degrade chat sideways").state.message?.text.hasPrefix(":degrade: modes: shed_low_priority") == true)
        #expect(keys.command("drain chat-01").planned == [.drain(node: "chat-01")])
        #expect(keys.command("shift batch 25%").planned == [.shift(toward: "batch", from: nil, percent: 25)])
        #expect(keys.command("scale chat").state.message?.text == ":scale: usage: :scale POOL N|+N|-N")
        // The plan opens the dialog: y runs it.
        let dialog = keys.command("drain chat-01")
        #expect(keys.press(.char("y"), from: dialog.state).effects == [.run(.drain(node: "chat-01"))])
    }

    @Test func filterSortAndTheme() {
        let filtered = keys.command("filter pool:batch").state
        #expect(filtered.filter == "pool:batch")
        #expect(keys.command("filter", from: filtered).state.filter == "")
        #expect(keys.command("filter re:(").state.message?.isError == true)
        let sorted = keys.command("sort waiting asc").state
        #expect(sorted.sort == .waiting && !sorted.sortDescending)
        #expect(keys.command("theme light").effects == [.theme("light")])
        #expect(keys.command("theme neon").state.message?.text == ":theme: themes: dark, light, high-contrast")
    }

    @Test func tabCompletesCommandsAndTheirArguments() {
        func tab(_ text: String) -> CommandLineInput {
            guard case .commandLine(let input) = keys.press([.char(":")] + text.map { Key.char($0) } + [.tab]).state.mode else {
                return CommandLineInput()
            }
            return input
        }
        #expect(tab("sch").text == "scheduler ")
        #expect(tab("s").text == "s" && tab("s").candidates == ["scale", "scheduler", "shift", "sort", "sources"])
        #expect(tab("scale c").text == "scale chat ")
        #expect(tab("node chat-0").text == "node chat-0" && tab("node chat-0").candidates == ["chat-01", "chat-02"])
        #expect(tab("degrade chat ca").text == "degrade chat ca")   // cache_only, cap_max_tokens
        #expect(tab("degrade chat cap").text == "degrade chat cap_max_tokens ")
        #expect(tab("theme l").text == "theme light ")
        #expect(tab("zz").text == "zz" && tab("zz").candidates.isEmpty)
        // Read-only: the actions are not offered.
        let readOnly = KeyDriver(readOnly: true)
        guard case .commandLine(let input) = readOnly.press(.char(":"), .char("s"), .tab).state.mode else { Issue.record("no line"); return }
        #expect(input.candidates == ["scheduler", "sort", "sources"])
    }

    @Test func historyRecallsEarlierLines() {
        var s = keys.command("pools").state
        s = keys.command("sort gpu", from: s).state
        #expect(s.commandHistory == ["pools", "sort gpu"])
        let up = keys.press(.char(":"), .up, from: s).state
        #expect(up.mode == .commandLine({ var i = CommandLineInput(text: "sort gpu"); i.historyIndex = 1; return i }()))
        let upUp = keys.press(.up, from: up).state
        guard case .commandLine(let input) = upUp.mode else { Issue.record("no line"); return }
        #expect(input.text == "pools")
        // Enter runs the recalled line.
        #expect(keys.press(.enter, from: upUp).state.screen == .pools)
        // Down past the newest is an empty line again.
        guard case .commandLine(let fresh) = keys.press(.down, from: up).state.mode else { Issue.record("no line"); return }
        #expect(fresh.text == "")
    }

    @Test func aliasesStandForTheStartOfALine() {
        let aliased = KeyDriver(aliases: ["sc": "scale chat", "ov": "overview"])
        #expect(aliased.command("sc +3").planned == [.scale(pool: "chat", delta: 3)])
        #expect(aliased.command("ov", from: { var s = ConsoleState(); s.screen = .pools; return s }()).state.screen == .overview)
        #expect(CommandAliases.problem(name: "sc", expansion: "scale chat") == nil)
        #expect(CommandAliases.problem(name: "scale", expansion: "pools") == "'scale' is a command already")
        #expect(CommandAliases.problem(name: "x", expansion: "rm -rf /")?.hasPrefix("'rm' is not a command") == true)
        #expect(CommandAliases.problem(name: "a b", expansion: "pools") != nil)
        #expect(CommandAliases.problem(name: "x", expansion: "pools \u{1B}[2J") != nil)
    }

    @Test func hostileTypingStaysPrintableAndBounded() {
        let typed = keys.press([.char(":")] + Array(repeating: Key.char("x"), count: 500) + [.char("\u{1B}"), .char("\u{9B}")])
        guard case .commandLine(let input) = typed.state.mode else { Issue.record("no line"); return }
        #expect(input.text.count == CommandLineInput.maxLength && input.text.allSatisfy { $0 == "x" })
        let error = keys.command("node \u{202E}evil").state.message?.text ?? ""
        #expect(!error.unicodeScalars.contains { TerminalText.isUnsafe($0) })
    }

    static let logs = UserCommand(name: "logs", description: "the engine's last lines", scope: .node,
                                  argv: ["kubectl", "logs", "{node}"], dangerous: false, key: "L")
    static let restart = UserCommand(name: "restart", description: "restart the pool", scope: .pool,
                                     argv: ["kubectl", "rollout", "restart", "{pool}"], key: "ctrl-r")

    @Test func userCommandsRunOnTheSelectionThroughTheDialog() throws {
        let keymap = try Keymap.standard.adding([Self.logs, Self.restart])
        let user = KeyDriver(keymap: keymap, userCommands: [Self.logs, Self.restart])
        var s = ConsoleState()
        s.selectedNodeID = "chat-01"
        #expect(user.command("logs", from: s).plannedCommands == [UserCommandRun(command: Self.logs, target: "chat-01", pool: "chat")])
        #expect(user.command("logs chat-02", from: s).plannedCommands.map(\.target) == ["chat-02"])
        #expect(user.command("logs nope", from: s).state.message?.text == ":logs: no node 'nope'")
        #expect(user.command("restart batch", from: s).plannedCommands == [UserCommandRun(command: Self.restart, target: "batch", pool: "batch")])
        // Their keys: L on a node, Ctrl-R on the selected node's pool; y runs.
        let byKey = user.press(.char("L"), from: s)
        #expect(byKey.plannedCommands.map(\.target) == ["chat-01"])
        #expect(user.press(.char("y"), from: byKey.state).effects == [.runCommand(UserCommandRun(command: Self.logs, target: "chat-01", pool: "chat"))])
        #expect(user.press(.ctrl("r"), from: s).plannedCommands.map(\.target) == ["chat"])
        // Completion offers them, and their targets.
        guard case .commandLine(let input) = user.press([.char(":"), .char("l"), .char("o"), .tab], from: s).state.mode else { Issue.record("no line"); return }
        #expect(input.text == "logs ")
        // Read-only: the command that changes the fleet is refused, the one that reads runs.
        let readOnly = KeyDriver(keymap: keymap.withoutDangerous(), readOnly: true, userCommands: [Self.logs, Self.restart])
        #expect(readOnly.command("restart chat", from: s).state.message?.text == ":restart: read-only (--read-only): actions are off")
        #expect(readOnly.press(.ctrl("r"), from: s).effects.isEmpty)
        #expect(readOnly.press(.char("L"), from: s).plannedCommands.count == 1)
    }

    @Test func aUserCommandKeyThatClashesIsAnError() throws {
        let clash = UserCommand(name: "x", description: "x", scope: .node, argv: ["true"], key: "D")
        let map = try Keymap.standard.adding([clash])
        #expect(map.conflicts == ["'D' is bound to both drain and :x"])
        #expect(throws: KeymapError.self) { try Keymap.standard.adding([UserCommand(name: "y", description: "", scope: .node, argv: ["true"], key: "ctrl-c")]) }
    }
}

/// `:ctx NAME`: another fleet of the config's contexts, and the header that names the one shown.
@Suite struct ContextTests {
    func driver(current: String? = "staging", locked: String? = nil) -> KeyDriver {
        var d = KeyDriver()
        d.context.contexts = ["prod", "staging"]
        d.context.currentContext = current
        d.context.contextsLocked = locked
        return d
    }

    @Test func ctxSwitchesToAnotherContextOnly() {
        #expect(driver().command("ctx prod").effects == [.switchContext("prod")])
        #expect(driver().command("ctx staging").state.message?.text == ":ctx: already on staging")
        #expect(driver().command("ctx dev").state.message?.text == ":ctx: contexts: prod, staging")
        #expect(KeyDriver().command("ctx prod").state.message?.text.contains("no contexts") == true)
        let locked = driver(locked: "recording to r.rec: quit, then watch --context NAME").command("ctx prod")
        #expect(locked.effects.isEmpty && locked.state.message?.text.contains("recording to r.rec") == true)
    }

    @Test func theHeaderNamesTheContextInItsColour() {
        let frame = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: ConsoleState(), width: 120, height: 30, glyphs: .unicode,
                                          context: ContextBadge(name: "prod", role: .crit)).canvas
        #expect(frame.text.hasPrefix(" fleetdeck [prod] "))
        let x = Array(" fleetdeck [".unicodeScalars).count
        #expect(frame[x, 0].role == .crit)
    }
}

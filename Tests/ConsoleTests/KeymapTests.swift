import FleetCore
import Testing
@testable import Console

/// The keymap as data: one list read by dispatch, the footer and the help; rebinding, its
/// errors, and `--read-only`.
@Suite struct KeymapTests {
    @Test func theStandardMapHasNoConflicts() {
        #expect(Keymap.standard.conflicts == [])
        // Every command has a binding, so every command can be rebound.
        #expect(Set(Keymap.standard.bindings.map(\.command)) == Set(ConsoleCommand.allCases.filter { $0 != .userCommand }))
    }

    @Test func keyNamesReadAndPrint() throws {
        #expect(try Key(name: "+") == .char("+"))
        #expect(try Key(name: "G") == .char("G"))
        #expect(try Key(name: "ENTER") == .enter)
        #expect(try Key(name: "shift-tab") == .backTab)
        #expect(try Key(name: "space") == .char(" "))
        #expect(try Key(name: "ctrl-x") == .ctrl("x"))
        #expect(try Key(name: "ctrl-s") == .ctrl("s"))    // flow control is off while the console runs
        #expect(Key.ctrl("x").label(.unicode) == "Ctrl-X")
        #expect(Key.up.label(.ascii) == "Up" && Key.up.label(.unicode) == "↑")
        #expect(throws: KeymapError.self) { try Key(name: "ctrl-c") }     // the terminal's interrupt
        #expect(throws: KeymapError.self) { try Key(name: "f13") }
        #expect(throws: KeymapError.self) { try Key(name: "\u{1B}") }     // no raw escapes
        #expect(throws: KeymapError.self) { try Key(name: "") }
    }

    @Test func aRebindingMovesDispatchFooterAndHelpTogether() throws {
        var map = Keymap.standard
        try map.rebind("scale-up", to: ["="])
        let keys = KeyDriver(keymap: map)
        var s = ConsoleState()
        s.selectedNodeID = "chat-01"
        #expect(keys.press(.char("="), from: s).planned == [.scale(pool: "chat", delta: 1)])
        #expect(keys.press(.char("+"), from: s).planned.isEmpty)
        let footer = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: s, width: 200, height: 40, glyphs: .unicode, keymap: map)
            .canvas.text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(footer.contains("= scale+") && !footer.contains("+ scale+"))
        s.mode = .help(scroll: 0)
        let help = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: s, width: 160, height: 80, glyphs: .unicode, keymap: map).canvas.text
        #expect(help.split(separator: "\n").contains { $0.contains("=") && $0.contains("scale the pool up") })
    }

    @Test func rebindingErrorsSayWhatIsWrong() {
        var map = Keymap.standard
        #expect(throws: KeymapError.self) { try map.rebind("scale-upp", to: ["="]) }
        do {
            try map.rebind("scale-upp", to: ["="])
        } catch {
            #expect(error.message.hasPrefix("unknown action 'scale-upp' (known: overview, nodes"))
        }
        #expect(throws: KeymapError.self) { try map.rebind("quit", to: ["ctrl-z"]) }
        // Two actions on one key where both apply.
        try? map.rebind("drain", to: ["p"])
        #expect(map.conflicts == ["'p' is bound to both pause and drain"])
        // Where they cannot both apply it is no conflict: history-span only in a node's detail,
        // apply-advice only on the scheduler screen.
        var apart = Keymap.standard
        try? apart.rebind("history-span", to: ["a"])
        #expect(apart.conflicts == [])
        // Swapping two keys is fine once both are moved.
        var swapped = Keymap.standard
        try? swapped.rebind("sort", to: ["S"])
        try? swapped.rebind("reverse-sort", to: ["s"])
        #expect(swapped.conflicts == [])
    }

    @Test func anEmptyListUnbinds() throws {
        var map = Keymap.standard
        try map.rebind("quit", to: [])
        #expect(KeyDriver(keymap: map).press(.char("q")).effects.isEmpty)
        // :q still quits.
        #expect(KeyDriver(keymap: map).command("q").quits)
    }

    @Test func readOnlyRemovesTheDangerousBindingsFromFooterAndHelp() {
        let map = Keymap.standard.withoutDangerous()
        #expect(!map.bindings.contains { $0.dangerous })
        var s = ConsoleState()
        let footer = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: s, width: 200, height: 40, glyphs: .unicode, keymap: map)
            .canvas.text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(!footer.contains("scale") && !footer.contains("drain") && footer.contains("quit"))
        s.mode = .help(scroll: 0)
        let help = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: s, width: 160, height: 80, glyphs: .unicode, keymap: map).canvas.text
        #expect(!help.contains("drain the selected node") && !help.contains(":scale"))
    }

    @Test func theFooterShowsWhatTheScreenOffers() {
        func footer(_ s: ConsoleState) -> String {
            ScreenRenderer.render(snapshot: Fixtures.snapshot, state: s, width: 200, height: 40, glyphs: .unicode)
                .canvas.text.split(separator: "\n").last.map(String.init) ?? ""
        }
        var s = ConsoleState()
        #expect(footer(s).contains("+ scale+") && footer(s).contains("/ filter") && footer(s).contains("s sort:node"))
        s.screen = .pools
        // The pools screen: the pool actions and its own filter, not the node sort or drain.
        #expect(footer(s).contains("+ scale+") && footer(s).contains("/ filter") && !footer(s).contains("sort:")
                && !footer(s).contains("drain"))
        s.screen = .scheduler
        #expect(footer(s).contains("a apply") && !footer(s).contains("scale+"))
        // At 80 columns what does not fit is left out whole, never cut.
        let narrow = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: ConsoleState(), width: 80, height: 24, glyphs: .unicode)
            .canvas.text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(narrow.hasPrefix(" ? help") || narrow.hasPrefix(" Tab screens"))
        #expect(!narrow.hasSuffix("scal"))
    }
}

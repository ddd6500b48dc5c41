import FleetCore
import Foundation
import Testing
@testable import Console

/// `Ctrl-S` and `:export`: the screen's table as CSV or JSON, safe for a spreadsheet.
@Suite struct TableExportTests {
    let keys = KeyDriver()

    @Test func theNodeTableAsShownFilteredAndSorted() throws {
        var s = ConsoleState()
        s.filter = "chat"
        s.sort = .gpu
        s.sortDescending = true
        let table = try #require(ExportTable.of(s, snapshot: Fixtures.snapshot, audit: []))
        #expect(table.name == "nodes")
        #expect(table.rows.map { $0[0] } == ["chat-01", "chat-02"])
        #expect(table.rows[0][6] == "0.97" && table.rows[0][8] == "30")
        #expect(table.rows[1][2] == "down" && table.rows[1][11] == "NCCL timeout")
        #expect(table.csv.hasPrefix("node,pool,state,engine,model,version,gpu_util,kv_cache,running,waiting,tokens_per_s,reason\r\n"))
    }

    @Test func eachScreenHasItsTable() throws {
        var s = ConsoleState()
        for (screen, name) in [(ScreenID.pools, "pools"), (.events, "events"), (.sources, "sources"), (.audit, "audit")] {
            s.screen = screen
            #expect(ExportTable.of(s, snapshot: Fixtures.snapshot, audit: [])?.name == name)
        }
        s.screen = .scheduler
        #expect(ExportTable.of(s, snapshot: Fixtures.snapshot, audit: []) == nil)
        #expect(keys.command("export", from: s).state.message?.text == "no table to export here")
        s.screen = .pools
        let pools = try #require(ExportTable.of(s, snapshot: Fixtures.snapshot, audit: []))
        #expect(pools.rows.map { $0[0] } == ["chat", "batch"])
    }

    @Test func csvQuotesAndDefusesFormulas() {
        let t = ExportTable(name: "t", columns: ["a", "b"],
                            rows: [["x,y", "say \"hi\""], ["=HYPERLINK(\"http://evil\")", "-12.5"], ["@SUM(A1)", "line\nbreak"]])
        #expect(t.csv == "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"'=HYPERLINK(\"\"http://evil\"\")\",-12.5\r\n'@SUM(A1),\"line\nbreak\"\r\n")
    }

    @Test func jsonEscapesEverythingUnsafe() throws {
        let t = ExportTable(name: "t", columns: ["node", "reason"], rows: [["a\"b", "esc \u{1B}[2J tab\t nl\n \u{2028}"]])
        let parsed = try JSONSerialization.jsonObject(with: Data(t.json.utf8)) as? [[String: String]]
        #expect(parsed == [["node": "a\"b", "reason": "esc \u{1B}[2J tab\t nl\n \u{2028}"]])
        #expect(!t.json.unicodeScalars.contains { $0.value == 0x1B })
    }

    @Test func ctrlSAndTheCommandAskForTheWrite() {
        #expect(keys.press(.ctrl("s")).effects.first.map { if case .export(let t, nil) = $0 { t.name == "nodes" } else { false } } == true)
        let out = keys.command("export /tmp/my nodes.json")
        guard case .export(let t, let path)? = out.effects.first else { Issue.record("no export"); return }
        #expect(t.name == "nodes" && path == "/tmp/my nodes.json")
    }
}

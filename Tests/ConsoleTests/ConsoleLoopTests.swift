import Actions
import FleetCore
import FleetdeckTestSupport
import Foundation
import Scheduler
import Testing
@testable import Console

/// A terminal that types a script of keys and keeps every frame: the whole render loop
/// (keys, effects, the action layer, drawing) without tmux.
final class ScriptedTerminal: TerminalBackend {
    let size: (width: Int, height: Int)
    private var keys: [Key]
    /// The frame drawn after each key of the script, in order (the first is before any key).
    private(set) var frames: [Canvas] = []
    private(set) var stopRequested = false

    init(keys: [Key], width: Int = 160, height: Int = 48) {
        self.keys = keys
        size = (width, height)
    }

    func present(_ canvas: Canvas) { frames.append(canvas) }

    func readKey(timeoutMilliseconds: Int32) -> Key? {
        guard !keys.isEmpty else { stopRequested = true; return nil }
        return keys.removeFirst()
    }

    func restore() {}

    var lastFrame: String { frames.last?.text ?? "" }
    func frameText(containing text: String) -> String? { frames.map(\.text).first { $0.contains(text) } }
}

@Suite(.serialized) struct ConsoleLoopTests {
    static func typed(_ text: String) -> [Key] { text.map { Key.char($0) } }

    /// The e-commerce fleet simulated, with the executor `demo` puts in front of it.
    func fleet(readOnly: Bool = false, log: String) throws -> (SnapshotStore, SimulationDriver, ActionExecutor) {
        let sc = try ScenarioLoader.load(file: RepositoryRoot.path + "/sample-data/scenarios/ecommerce.yaml")
        let store = SnapshotStore()
        let driver = SimulationDriver(simulator: FleetSimulator(scenario: sc, seed: 3), store: store, speed: 1)
        driver.warmUp(seconds: 5)
        var guards = ActionExecutor.Guards()
        guards.readOnly = readOnly
        guards.cooldown = 0
        let executor = ActionExecutor(actuator: SimulatorActuator(driver: driver, scenario: sc), audit: try AuditLog(path: log), guards: guards)
        return (store, driver, executor)
    }

    func waitForRecords(_ path: String, count: Int) async -> [AuditRecord] {
        for _ in 0..<600 {
            if let r = try? AuditLog.read(path).records, r.count >= count { return r }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return (try? AuditLog.read(path).records) ?? []
    }

    @Test func aCommandLineScaleGoesThroughTheDialogToTheAuditLog() async throws {
        let log = NSTemporaryDirectory() + "fleetdeck-loop-\(getpid()).jsonl"
        defer { unlink(log) }
        let (store, driver, executor) = try fleet(log: log)
        let task = Task.detached { await driver.run() }
        defer { driver.stop(); task.cancel() }
        let terminal = ScriptedTerminal(keys: [.char(":")] + Self.typed("scale cs-llama3-8b +1") + [.enter, .char("+"), .char("y")])
        ConsoleApp(store: store, glyphs: .unicode, actions: executor).run(on: terminal)
        // The dialog said what and through what, with the count raised in it by `+`.
        let dialog = try #require(terminal.frameText(containing: "Confirm: scale cs-llama3-8b"))
        #expect(dialog.contains("through the simulator"))
        #expect(terminal.frames.contains { $0.text.contains("to") && $0.text.contains("replicas") })
        let records = await waitForRecords(log, count: 1)
        #expect(records.first?.action == .scale && records.first?.target == "cs-llama3-8b")
        #expect(records.first?.parameters["delta"] == "2")
        #expect(records.first?.result == .ok)
    }

    @Test func readOnlyOffersNoActionAnywhere() throws {
        let log = NSTemporaryDirectory() + "fleetdeck-loop-ro-\(getpid()).jsonl"
        defer { unlink(log) }
        let (store, _, executor) = try fleet(readOnly: true, log: log)
        let terminal = ScriptedTerminal(keys: [.char("+"), .char("D"), .char(":")] + Self.typed("scale cs-llama3-8b +1") + [.enter])
        ConsoleApp(store: store, glyphs: .unicode, actions: executor).run(on: terminal)
        let texts = terminal.frames.map(\.text)
        #expect(!texts.contains { $0.contains("Confirm:") })
        #expect(!texts[0].contains("scale+") && !texts[0].contains("drain"))
        #expect(terminal.lastFrame.contains(":scale: read-only (--read-only): actions are off"))
        #expect((try? AuditLog.read(log).records.count) ?? 0 == 0)
    }

    @Test func quitEndsTheLoopAndLaterKeysAreNotRead() throws {
        let store = SnapshotStore()
        store.publish(Fixtures.snapshot)
        let terminal = ScriptedTerminal(keys: [.char("2"), .char("q"), .char("3")])
        ConsoleApp(store: store, glyphs: .unicode).run(on: terminal)
        #expect(!terminal.stopRequested)          // `3` was never read
        #expect(terminal.lastFrame.contains("[2 Nodes]"))
    }

    @Test func anExportIsWrittenAndTheFooterSaysWhere() throws {
        let store = SnapshotStore()
        store.publish(Fixtures.snapshot)
        let path = NSTemporaryDirectory() + "fleetdeck-export-\(getpid()).json"
        defer { unlink(path) }
        let write: (ExportTable, String?) throws -> String = { table, target in
            try Data(table.json.utf8).write(to: URL(fileURLWithPath: target ?? path))
            return target ?? path
        }
        let terminal = ScriptedTerminal(keys: [.char("3"), .ctrl("s")])
        ConsoleApp(store: store, glyphs: .unicode, settings: ConsoleSettings(writeExport: write)).run(on: terminal)
        #expect(terminal.lastFrame.contains("pools: 2 rows written to \(path)"))
        let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: String]]
        #expect(rows?.map { $0["pool"] } == ["chat", "batch"])
    }

    @Test func aClickOnATabAndADoubleClickOnARowThroughTheLoop() throws {
        let store = SnapshotStore()
        store.publish(Fixtures.snapshot)
        // Where the loop's first frame will put them (the same snapshot and state).
        let first = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: { var s = ConsoleState(); s.selectedNodeID = "batch-01"; return s }(),
                                          width: 160, height: 48, glyphs: .unicode).canvas
        let row = try #require(first.regions.first { $0.target == .node("chat-02") }).rect
        let terminal = ScriptedTerminal(keys: [.mouse(MouseEvent(x: row.x + 1, y: row.y, .doubleClick))])
        ConsoleApp(store: store, glyphs: .unicode).run(on: terminal)
        #expect(terminal.lastFrame.contains("chat-02  chat · vllm"))      // the node's detail
    }
}

import FleetdeckTestSupport
import FleetCore
import Foundation
import Synchronization
import Testing
@testable import Actions
@testable import Scheduler

@Suite(.serialized) struct ActionExecutorTests {
    func temp(_ name: String) -> String { NSTemporaryDirectory() + "fleetdeck-audit-\(getpid())-\(name)" }

    /// A running simulated fleet and the executor in front of it, as `demo` wires them.
    func fleet(_ guards: ActionExecutor.Guards, log: String) throws -> (ActionExecutor, SimulationDriver, SnapshotStore, Task<Void, Never>) {
        let sc = try ScenarioLoader.load(file: RepositoryRoot.path + "/sample-data/scenarios/ecommerce.yaml")
        let store = SnapshotStore()
        let driver = SimulationDriver(simulator: FleetSimulator(scenario: sc, seed: 3), store: store, speed: 1)
        driver.warmUp(seconds: 5)
        let task = Task.detached { await driver.run() }
        let executor = ActionExecutor(actuator: SimulatorActuator(driver: driver, scenario: sc), audit: try AuditLog(path: log), guards: guards)
        return (executor, driver, store, task)
    }

    /// Waits without blocking a thread of the shared pool: the executor and the driver run
    /// on it too, and other suites keep it busy.
    func waitForRecords(_ path: String, count: Int) async throws -> [AuditRecord] {
        for _ in 0..<600 {
            if let r = try? AuditLog.read(path).records, r.count >= count { return r }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return (try? AuditLog.read(path).records) ?? []
    }

    @Test func aConfirmedScaleActsAndIsAudited() async throws {
        let path = temp("scale.jsonl")
        defer { unlink(path) }
        let (executor, driver, store, task) = try fleet(ActionExecutor.Guards(), log: path)
        defer { driver.stop(); task.cancel() }
        let snap = try #require(store.latest().snapshot)
        let plan = executor.plan(.scale(pool: "cs-llama3-8b", delta: 2), snapshot: snap)
        #expect(plan.refusal == nil)
        #expect(plan.description.contains("from 5 to 7 replicas"))
        executor.run(.scale(pool: "cs-llama3-8b", delta: 2))
        executor.run(.scale(pool: "cs-llama3-8b", delta: 2))   // a key repeat while in flight: ignored
        let records = try await waitForRecords(path, count: 1)
        #expect(records.count == 1)
        let r = try #require(records.first)
        #expect(r.action == .scale && r.target == "cs-llama3-8b" && r.result == .ok && r.actuator == "simulator")
        #expect(r.parameters["delta"] == "2" && r.request == "scale cs-llama3-8b by +2")
        for _ in 0..<600 where store.latest().snapshot?.pool("cs-llama3-8b")?.nodes != 7 { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(store.latest().snapshot?.pool("cs-llama3-8b")?.nodes == 7)
        // Right after, the cooldown refuses another action on the same pool.
        #expect(executor.plan(.scale(pool: "cs-llama3-8b", delta: 1), snapshot: snap).refusal?.hasPrefix("cooldown") == true)
    }

    @Test func guardsRefuseWithTheReason() throws {
        let path = temp("guards.jsonl")
        defer { unlink(path) }
        var guards = ActionExecutor.Guards()
        guards.maxReplicas = 6
        let (executor, driver, store, task) = try fleet(guards, log: path)
        defer { driver.stop(); task.cancel() }
        let snap = try #require(store.latest().snapshot)
        #expect(executor.plan(.scale(pool: "cs-llama3-8b", delta: 3), snapshot: snap).refusal?.contains("above its maximum of 6") == true)
        #expect(executor.plan(.scale(pool: "cs-llama3-8b", delta: -5), snapshot: snap).refusal?.contains("below its minimum of 1") == true)
        #expect(executor.plan(.scale(pool: "gpt4-api", delta: 1), snapshot: snap).refusal?.contains("API tier") == true)
        var readOnly = ActionExecutor.Guards()
        readOnly.readOnly = true
        let locked = ActionExecutor(actuator: SimulatorActuator(driver: driver, scenario: try ScenarioLoader.load(file: RepositoryRoot.path + "/sample-data/scenarios/ecommerce.yaml")),
                                    audit: try AuditLog(path: path), guards: readOnly)
        #expect(locked.plan(.drain(node: "cs-llama3-8b-01"), snapshot: snap).refusal?.contains("read-only") == true)
        #expect(locked.disabledReason != nil)
    }

    @Test func dryRunAuditsWithoutActing() async throws {
        let path = temp("dry.jsonl")
        defer { unlink(path) }
        var guards = ActionExecutor.Guards()
        guards.dryRun = true
        let (executor, driver, store, task) = try fleet(guards, log: path)
        defer { driver.stop(); task.cancel() }
        let snap = try #require(store.latest().snapshot)
        #expect(executor.plan(.degrade(pool: "cs-elastic", mode: .cacheOnly, on: true), snapshot: snap).actuator.contains("DRY RUN"))
        executor.run(.degrade(pool: "cs-elastic", mode: .cacheOnly, on: true))
        let r = try #require(try await waitForRecords(path, count: 1).first)
        #expect(r.result == .dryRun)
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(store.latest().snapshot?.pool("cs-elastic")?.degradeModes == nil)
    }

    @Test func aLogCutMidLineKeepsEveryCompleteRecord() throws {
        let path = temp("cut.jsonl")
        defer { unlink(path) }
        let log = try AuditLog(path: path)
        let r = AuditRecord(time: 1, user: "op", host: "h", action: .scale, target: "p", parameters: ["delta": "1"], actuator: "simulator",
                            request: "scale p by +1", result: .ok, detail: "done", duration: 0.1)
        try log.append(r)
        try log.append(r)
        // What kill -9 in the middle of a write would leave.
        let fh = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try fh.seekToEnd()
        try fh.write(contentsOf: Data(#"{"action":"scale","tar"#.utf8))
        try fh.close()
        let (records, bad) = try AuditLog.read(path)
        #expect(records == [r, r])
        #expect(bad == [3])

        // The next session's first record starts a line of its own, and says it repaired one.
        let reopened = try AuditLog(path: path)
        #expect(reopened.repairedFragment)
        var next = r
        next.target = "q"
        try reopened.append(next)
        let (after, stillBad) = try AuditLog.read(path)
        #expect(after == [r, r, next])
        #expect(stillBad == [3])
        #expect(try !AuditLog(path: path).repairedFragment)

        // And the executor tells the events log so at start-up.
        let fh2 = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try fh2.seekToEnd()
        try fh2.write(contentsOf: Data(#"{"act"#.utf8))
        try fh2.close()
        let said = Mutex<[String]>([])
        _ = ActionExecutor(actuator: PoolRoutedActuator(actuators: [:]) { _ in nil }, audit: try AuditLog(path: path),
                           guards: ActionExecutor.Guards()) { _, line in said.withLock { $0.append(line) } }
        #expect(said.withLock { $0.contains { $0.contains("last line was cut short") } })
    }

    // MARK: user commands (`commands:`)

    /// A script that writes its arguments to `argv.txt` beside it and prints a line.
    func recorder(_ dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/cmd.sh"
        try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \(dir)/argv.txt\necho \"log line for $2\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test func aUserCommandRunsItsArgvOnTheTargetAndIsAudited() async throws {
        let path = temp("command.jsonl"), dir = temp("command-dir")
        defer { unlink(path); try? FileManager.default.removeItem(atPath: dir) }
        let (executor, driver, store, task) = try fleet(ActionExecutor.Guards(), log: path)
        defer { driver.stop(); task.cancel() }
        let snap = try #require(store.latest().snapshot)
        let node = try #require(snap.nodes.first { $0.pool == "cs-llama3-8b" })
        let logs = UserCommand(name: "logs", description: "the engine's log", scope: .node,
                               argv: [try recorder(dir), "logs", "{node}", "-n", "{namespace}", "--pool={pool}"], vars: ["namespace": "llm"],
                               timeout: 5, dangerous: false)
        let run = UserCommandRun(command: logs, target: node.id, pool: node.pool)
        let plan = executor.plan(run, snapshot: snap)
        #expect(plan.refusal == nil)
        #expect(plan.actuator.hasSuffix("logs \(node.id) -n llm --pool=cs-llama3-8b"))
        executor.run(run)
        let r = try #require(try await waitForRecords(path, count: 1).first)
        #expect(r.action == .command && r.target == node.id && r.parameters == ["command": "logs"] && r.result == .ok)
        #expect(r.detail.contains("log line for \(node.id)"))
        let argv = try String(contentsOfFile: dir + "/argv.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(argv == ["logs", node.id, "-n", "llm", "--pool=cs-llama3-8b"])
        // The audit screen's entry and `fleetdeck audit` read it back.
        #expect(executor.recentAudit().last?.action == .command)
    }

    @Test func userCommandGuards() throws {
        let path = temp("command-guards.jsonl")
        defer { unlink(path) }
        var readOnly = ActionExecutor.Guards()
        readOnly.readOnly = true
        let (executor, driver, store, task) = try fleet(readOnly, log: path)
        defer { driver.stop(); task.cancel() }
        let snap = try #require(store.latest().snapshot)
        let restart = UserCommand(name: "restart", description: "restart the engine", scope: .node, argv: ["kubectl", "delete", "pod", "{node}"])
        let look = UserCommand(name: "describe", description: "describe", scope: .pool, argv: ["kubectl", "describe", "{pool}"], dangerous: false)
        // Read-only refuses what changes the fleet, and lets a read-only command run.
        #expect(executor.plan(UserCommandRun(command: restart, target: "cs-llama3-8b-01", pool: "cs-llama3-8b"), snapshot: snap).refusal?.contains("read-only") == true)
        #expect(executor.plan(UserCommandRun(command: look, target: "cs-llama3-8b", pool: "cs-llama3-8b"), snapshot: snap).refusal == nil)
        // Hostile names (a label with a shell's metacharacters, an escape sequence, an option)
        // never fill an argv; the reason says so without the escape.
        for hostile in ["$(touch /tmp/pwned); rm -rf ~", "node\u{1B}[2J", "--all", "a b"] {
            let plan = executor.plan(UserCommandRun(command: look, target: hostile, pool: hostile), snapshot: snap)
            #expect(plan.refusal?.contains("neither an integer nor a DNS-1123 name") == true, "\(hostile)")
            #expect(!(plan.refusal ?? "").unicodeScalars.contains { $0.value == 0x1B })
        }
    }
}

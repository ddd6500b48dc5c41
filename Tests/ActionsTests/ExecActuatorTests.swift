import FleetCore
import Foundation
import Testing
@testable import Actions

/// The exec actuator with a small recording script as the command: the argv is exactly the
/// configured template, filled only from the config and computed numbers; nothing reaches a shell.
@Suite struct ExecActuatorTests {
    let dir: String = {
        let d = NSTemporaryDirectory() + "fleetdeck-exec-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// A script that writes each argument on its own line, then exits with `$EXIT`.
    func recorder(sleep: Int = 0, exit code: Int = 0) throws -> String {
        let path = dir + "/record.sh"
        try """
            #!/bin/sh
            for a in "$@"; do printf '%s\\n' "$a"; done > \(dir)/argv.txt
            sleep \(sleep)
            echo "scaled"; echo "warning: something" >&2
            exit \(code)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func actuator(_ script: String, timeout: Double = 10) -> ExecActuator {
        ExecActuator(argv: [script, "scale", "deployment/{deployment}", "-n", "{namespace}", "--replicas={replicas}", "{node}"].filter { $0 != "{node}" },
                     vars: ["deployment": "vllm-chat", "namespace": "llm"], timeout: timeout, configuredNodes: ["vllm-0"]) { _ in 4 }
    }

    @Test func theArgvIsExactlyTheTemplate() async throws {
        let a = actuator(try recorder())
        let result = await a.execute(.scale(pool: "chat", delta: 2))
        #expect((try? result.get())?.contains("scaled") == true)
        let argv = try String(contentsOfFile: dir + "/argv.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(argv == ["scale", "deployment/vllm-chat", "-n", "llm", "--replicas=6"])
        #expect(a.request(for: .scale(pool: "chat", delta: 2)).hasSuffix("scale deployment/vllm-chat -n llm --replicas=6"))
    }

    @Test func hostileNamesNeverReachAnArgvOrAShell() async throws {
        let script = try recorder()
        let a = ExecActuator(argv: [script, "drain", "{node}"], vars: [:], timeout: 5, configuredNodes: ["vllm-0"]) { _ in 1 }
        for hostile in ["$(touch \(dir)/pwned); rm -rf ~", "vllm-0\n--all", "\u{1B}[2Jnode", "vllm-0; reboot"] {
            let r = await a.execute(.drain(node: hostile))
            guard case .failure(let e) = r else { Issue.record("ran for \(hostile)"); continue }
            #expect(e.description.contains("not named in the config"))
            #expect(!e.description.unicodeScalars.contains { $0.value == 0x1B })
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/argv.txt"))
        // Even a computed value is checked: a pool name that is not a DNS-1123 label.
        let s = ExecActuator(argv: [script, "{pool}"], vars: [:], timeout: 5, configuredNodes: []) { _ in 1 }
        if case .success = await s.execute(.scale(pool: "Chat Pool$(id)", delta: 1)) { Issue.record("an unsafe pool name reached the argv") }
    }

    @Test func failuresTimeoutsAndOutputAreReported() async throws {
        let failing = actuator(try recorder(exit: 3))
        guard case .failure(let e) = await failing.execute(.scale(pool: "chat", delta: 1)) else { Issue.record("exit 3 was a success"); return }
        #expect(e.description.contains("exited with 3") && e.description.contains("warning: something"))
        let slow = actuator(try recorder(sleep: 5), timeout: 0.5)
        guard case .failure(let t) = await slow.execute(.scale(pool: "chat", delta: 1)) else { Issue.record("no timeout"); return }
        #expect(t.description.contains("timed out after"))
    }

    /// A script of `body` lines, runnable.
    func script(_ name: String, _ body: String) throws -> String {
        let path = dir + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// Whether `pid` is gone (or only a zombie waiting for its new parent to reap it).
    func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }

    @Test func aChattyCommandIsReadWhileItRuns() async throws {
        // 300 KiB on stdout, more than a pipe holds: the command must not block on it.
        let chatty = try script("chatty.sh", "head -c 307200 /dev/zero | tr '\\0' x\necho; echo finished >&2")
        let a = ExecActuator(argv: [chatty], vars: [:], timeout: 20, configuredNodes: []) { _ in 1 }
        let result = await a.execute(.scale(pool: "chat", delta: 1))
        let text = try result.get()
        #expect(text.hasPrefix("xxxx") && text.hasSuffix("finished"))
        #expect(text.count < 4200)   // the first 4 KiB of stdout, then stderr
    }

    @Test func theTimeoutKillsTheWholeGroup() async throws {
        let stuck = try script("stuck.sh", "sleep 30 &\necho $! > \(dir)/grandchild.pid\nsleep 30")
        let a = ExecActuator(argv: [stuck], vars: [:], timeout: 0.5, configuredNodes: []) { _ in 1 }
        guard case .failure(let e) = await a.execute(.scale(pool: "chat", delta: 1)) else { Issue.record("no timeout"); return }
        #expect(e.description.contains("timed out after"))
        let pid = try #require(Int32(String(contentsOfFile: dir + "/grandchild.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        for _ in 0..<50 where !isGone(pid) { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(isGone(pid), "the grandchild \(pid) outlived the timeout")
    }

    @Test func aCommandThatLeavesAChildHoldingItsOutputIsDoneWhenItExits() async throws {
        let leaves = try script("leaves.sh", "sleep 30 &\necho $! > \(dir)/left.pid\necho done")
        let a = ExecActuator(argv: [leaves], vars: [:], timeout: 60, configuredNodes: []) { _ in 1 }
        #expect(try await a.execute(.scale(pool: "chat", delta: 1)).get() == "done")
        let pid = try #require(Int32(String(contentsOfFile: dir + "/left.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        for _ in 0..<50 where !isGone(pid) { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(isGone(pid))
    }

    @Test func pipesAreNotInheritedByActionsStartedMeanwhile() async throws {
        let long = try script("long.sh", "sleep 2")
        let fds = try script("fds.sh", "exec ls /proc/self/fd")
        let a = ExecActuator(argv: [long], vars: [:], timeout: 10, configuredNodes: []) { _ in 1 }
        let b = ExecActuator(argv: [fds], vars: [:], timeout: 10, configuredNodes: []) { _ in 1 }
        let first = Task { await a.execute(.scale(pool: "chat", delta: 1)) }
        try await Task.sleep(nanoseconds: 300_000_000)
        // ls, run by the script's shell, has stdin, stdout, stderr, the directory it reads
        // and at most the shell's script descriptor: nothing of the other action's pipes, and
        // none of the test runner's descriptors (8 to 21 and 251 leaked here before).
        let open = try await b.execute(.scale(pool: "chat", delta: 1)).get().split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        #expect(open.allSatisfy { $0 <= 10 } && open.count <= 5, "\(open)")
        _ = await first.value
    }

    @Test func configIsCheckedAtStartUpWithTheLine() throws {
        func load(_ text: String) throws -> ActionsConfig { try ActionsConfig.read(YAMLValue.parse(text, file: "c.yaml")) }
        let ok = try load("""
            pools:
              chat: {actuator: exec, argv: [kubectl, scale, "deployment/{deployment}", "--replicas={replicas}"], vars: {deployment: vllm-chat}, max_replicas: 8}
            """)
        #expect(ok.pools["chat"]?.maxReplicas == 8)
        for (text, words) in [
            ("pools:\n  chat: {actuator: ssh, argv: [x]}", "c.yaml:2"),
            ("pools:\n  chat:\n    actuator: exec\n    argv: [kubectl, \"--x={nope}\"]", "unknown placeholder {nope}"),
            ("pools:\n  chat: {actuator: exec, argv: [k, \"{ns}\"], vars: {ns: \"Bad Name\"}}", "not a DNS-1123 name"),
            ("pools:\n  chat: {actuator: http, url: \"ftp://x\"}", "expected an http"),
        ] {
            do {
                _ = try load(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(words), "\(error)")
            }
        }
    }
}

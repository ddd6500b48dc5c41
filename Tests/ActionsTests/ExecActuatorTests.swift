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

import FleetdeckTestSupport
import Foundation
import Testing

@Suite struct CommandLineTests {
    @Test func snapshotJSONHasEveryTopLevelKey() throws {
        let r = try Harness.fleetdeck(["snapshot", "--scenario", "bank", "--at", "30", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["time", "pools", "nodes", "caches", "latency", "cost", "events"] { #expect(obj[key] != nil, "\(key)") }
        #expect(obj["time"] as? Double == 30)
        let nodes = try #require(obj["nodes"] as? [[String: Any]])
        #expect(nodes.count == 16)
        #expect(nodes.allSatisfy { $0["id"] is String && $0["pool"] is String && $0["state"] is String })
        let pools = try #require(obj["pools"] as? [[String: Any]])
        #expect(pools.compactMap { $0["id"] as? String }.sorted() == ["chat-70b-blue", "chat-70b-green"])
    }

    @Test func snapshotTextIsTheRenderedScreenWithoutEscapes() throws {
        let r = try Harness.fleetdeck(["snapshot", "--scenario", "edge", "--at", "60", "--width", "100", "--height", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count >= 30)
        #expect(r.stdout.contains("Nodes (12)") && r.stdout.contains("edge-devices-01"))
        #expect(!r.stdout.contains("\u{1B}"))
        #expect(lines.allSatisfy { $0.count <= 100 })
    }

    @Test func asciiSnapshotIsPureASCII() throws {
        let r = try Harness.fleetdeck(["snapshot", "--scenario", "rag", "--at", "30", "--ascii"])
        #expect(r.status == 0)
        #expect(r.stdout.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test func sameSeedSameSnapshot() throws {
        let a = try Harness.fleetdeck(["snapshot", "--scenario", "ecommerce", "--at", "20", "--format", "json", "--seed", "9"])
        let b = try Harness.fleetdeck(["snapshot", "--scenario", "ecommerce", "--at", "20", "--format", "json", "--seed", "9"])
        #expect(a.status == 0 && a.stdout == b.stdout)
    }

    @Test func unknownScenarioOrThemeListsTheValidNames() throws {
        let s = try Harness.fleetdeck(["snapshot", "--scenario", "bankk", "--at", "1"])
        #expect(s.status == 2)
        #expect(s.stderr == "fleetdeck: error: unknown scenario 'bankk' (valid: bank, content, ecommerce, edge, rag)\n")
        let t = try Harness.fleetdeck(["demo", "--theme", "neon"])
        #expect(t.status == 2)
        #expect(t.stderr == "fleetdeck: error: unknown theme 'neon' (valid: dark, high-contrast, light, monochrome)\n")
    }

    @Test func malformedFilesNameTheFileLineAndField() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bank = try String(contentsOfFile: RepositoryRoot.path + "/sample-data/scenarios/bank.yaml", encoding: .utf8)
        let broken = bank.replacingOccurrences(of: "    nodes: 14\n", with: "    nodes: fourteen\n")
        let line = broken.components(separatedBy: "\n").firstIndex { $0.contains("fourteen") }! + 1
        try broken.write(toFile: dir + "/broken.yaml", atomically: true, encoding: .utf8)
        let s = try Harness.fleetdeck(["snapshot", "--scenario", dir + "/broken.yaml", "--at", "1"])
        #expect(s.status == 2)
        #expect(s.stderr == "fleetdeck: error: \(dir)/broken.yaml:\(line): pools[0].nodes: expected a whole number\n")

        try "name: t\nroles:\n  normal: {fg: \"#12\"}\n".write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        let t = try Harness.fleetdeck(["demo", "--theme", dir + "/t.yaml"])
        #expect(t.status == 2)
        #expect(t.stderr.contains("t.yaml:3: roles.normal.fg: '#12' is not a colour"))
        #expect(!t.stderr.contains("Fatal") && !t.stderr.contains("Backtrac"))
    }

    @Test func theConfigFileChoosesTheThemeAndIsChecked() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-config-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/fleetdeck", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A theme named in the XDG config is used (and checked) without --theme.
        try "theme: neon\n".write(toFile: dir + "/fleetdeck/config.yaml", atomically: true, encoding: .utf8)
        try Harness.requireBinary()
        let env = ["FLEETDECK_HOME": RepositoryRoot.path, "XDG_CONFIG_HOME": dir]
        let a = try Harness.run(Harness.binary, ["demo"], environment: env)
        #expect(a.status == 2)
        #expect(a.stderr.contains("unknown theme 'neon'"))
        try "theme: light\ncolours: many\n".write(toFile: dir + "/fleetdeck/config.yaml", atomically: true, encoding: .utf8)
        let b = try Harness.run(Harness.binary, ["demo"], environment: env)
        #expect(b.status == 2)
        #expect(b.stderr.contains("config.yaml:2: colours: unknown field"))
        let c = try Harness.fleetdeck(["demo", "--config", dir + "/missing.yaml"])
        #expect(c.status == 2 && c.stderr.contains("config file not found"))
    }

    @Test func badKeysAndAliasesNameTheLine() throws {
        let dir = NSTemporaryDirectory() + "fleetdeck-keys-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Harness.requireBinary()
        let cases: [(config: String, error: String)] = [
            ("keys:\n  scale-upp: \"=\"\n", "c.yaml:2: keys.scale-upp: unknown action 'scale-upp' (known: overview, nodes"),
            ("keys:\n  quit: ctrl-c\n", "c.yaml:2: keys.quit: 'ctrl-c' is taken by the terminal"),
            ("keys:\n  quit: F13\n", "c.yaml:2: keys.quit: unknown key 'F13'"),
            ("theme: dark\nkeys:\n  drain: p\n", "c.yaml:3: keys: 'p' is bound to both pause and drain"),
            ("aliases:\n  x: \"rm -rf /\"\n", "c.yaml:2: aliases.x: 'rm' is not a command"),
            ("aliases:\n  scale: pools\n", "c.yaml:2: aliases.scale: 'scale' is a command already"),
            ("commands:\n  logs:\n    scope: node\n    argv: [kubectl, logs, \"{nod}\"]\n",
             "c.yaml:4: commands.logs.argv: unknown placeholder {nod} (known: node, pool)"),
            ("commands:\n  logs:\n    scope: node\n    argv: [kubectl, logs, \"{node}\"]\n    key: D\n",
             "'D' is bound to both drain and :logs"),
            ("commands:\n  drain:\n    scope: node\n    argv: [\"true\"]\n", "'drain' is a built-in command or an alias already"),
        ]
        for (config, error) in cases {
            try config.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            let r = try Harness.fleetdeck(["demo", "--config", dir + "/c.yaml"])
            #expect(r.status == 2, "\(config)")
            #expect(r.stderr.contains(error), "\(r.stderr)")
        }
    }

    @Test func theConsoleWithoutATerminalSaysSo() throws {
        let r = try Harness.fleetdeck(["demo", "--warmup", "0"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("needs a terminal"))
    }

    @Test func helpDocumentsEveryOption() throws {
        let expected: [[String]: [String]] = [
            ["demo", "--help"]: ["--scenario", "--seed", "--theme", "--ascii", "--config", "--speed", "--warmup"],
            ["snapshot", "--help"]: ["--scenario", "--at", "--format", "--width", "--height", "--screen", "--seed", "--ascii"],
            ["bench", "frame", "--help"]: ["--width", "--height", "--frames", "--scenario"],
            ["bench", "simulate", "--help"]: ["--duration", "--scenario"],
            ["simulate", "--help"]: ["--trace", "--profile", "--engine", "--duration", "--json", "--serve"],
            ["--help"]: ["demo", "snapshot", "bench"],
        ]
        for (args, options) in expected {
            let r = try Harness.fleetdeck(args)
            #expect(r.status == 0)
            for o in options { #expect(r.stdout.contains(o), "\(args) lacks \(o)") }
        }
    }

    @Test func checkExitsOneOnProblemsAndZeroOnACleanPayload() throws {
        let clean = try Harness.fleetdeck(["check", RepositoryRoot.path + "/sample-data/telemetry/tgi.prom"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("stack: TGI"))
        let bad = try Harness.fleetdeck(["check", RepositoryRoot.path + "/sample-data/telemetry/malformed.prom"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("line 34: fd_case10_value: invalid value"))
        let missing = try Harness.fleetdeck(["check", "/nonexistent/metrics"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read /nonexistent/metrics"))
    }
}

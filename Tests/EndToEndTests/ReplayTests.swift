import FleetdeckTestSupport
import Foundation
import Testing

/// `fleetdeck record` and `fleetdeck replay`, from the command line and in a terminal.
@Suite(.serialized) struct ReplayTests {
    static let dir: String = {
        let d = NSTemporaryDirectory() + "fleetdeck-replay-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// Five minutes of the bank fleet: the market-open peak starts at 09:54.
    static func bankRecording() throws -> String {
        let path = dir + "/bank.rec"
        if FileManager.default.fileExists(atPath: path) { return path }
        let r = try Harness.fleetdeck(["record", "--scenario", "bank", "--duration", "300", "--out", path])
        guard r.status == 0 else { throw HarnessError("record failed: \(r.stderr)") }
        return path
    }

    @Test func summaryAndAtForScripts() throws {
        let path = try Self.bankRecording()
        let summary = try Harness.fleetdeck(["replay", path, "--summary"])
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdout.contains("09:50:00 to 09:55:00"))
        #expect(summary.stdout.contains("09:54:00  +4m      incident   incident: market-open peak"))
        let json = try Harness.fleetdeck(["replay", path, "--at", "09:52:30", "--format", "json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["time"] as? Double == 150)
        let text = try Harness.fleetdeck(["replay", path, "--at", "200", "--width", "100", "--height", "30"])
        #expect(text.stdout.contains("09:53:20"))
        #expect(text.stdout.contains("Nodes (24)"))     // 16 and the 8 of the scale-up at 09:52:10
    }

    @Test func aDamagedKeyframeIsNamedAndTheNextGoodOneIsUsed() throws {
        let path = Self.dir + "/flipped.rec"
        let r = try Harness.fleetdeck(["record", "--scenario", "edge", "--duration", "90", "--keyframe-interval", "30", "--out", path])
        #expect(r.status == 0, "\(r.stderr)")
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        // A flipped bit in the first keyframe's snapshot: "nodes" reads "nodgs", still JSON.
        let key = try #require(lines.firstIndex { $0.hasPrefix(#"{"type":"keyframe""#) })
        lines[key] = lines[key].replacingOccurrences(of: #""nodes":"#, with: #""nodgs":"#)
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let at = try Harness.fleetdeck(["replay", path, "--at", "0", "--format", "json"])
        #expect(at.status == 0, "\(at.stderr)")
        #expect(at.stderr.contains(":\(key + 1): a damaged keyframe") && at.stderr.contains("going on to the next good keyframe"), "\(at.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(at.stdout.utf8)) as? [String: Any]
        #expect((object?["time"] as? Double ?? 0) > 0, "the snapshot of a later keyframe")
        let summary = try Harness.fleetdeck(["replay", path, "--summary"])
        #expect(summary.status == 0 && summary.stdout.contains("ticks"), "\(summary.stderr)")
    }

    @Test func hostileTextInARecordingNeverReachesTheTerminalRaw() throws {
        let path = try Self.bankRecording()
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        // An event line with escape sequences and a bidi override, just before tick 100.
        let event = #"{"type":"event","t":99.5,"kind":"incident","event":{"kind":"incident","message":"boom \u001b[2J\u001b]0;pwned\u0007 \u202e","severity":"critical","time":99.5}}"#
        let at = lines.firstIndex { $0.hasPrefix(#"{"type":"tick","t":100.0"#) }!
        lines.insert(event, at: at)
        let hostile = Self.dir + "/hostile.rec"
        try lines.joined(separator: "\n").write(toFile: hostile, atomically: true, encoding: .utf8)
        let summary = try Harness.fleetdeck(["replay", hostile, "--summary"])
        #expect(summary.stdout.contains("boom"))
        let screen = try Harness.fleetdeck(["replay", hostile, "--at", "100", "--screen", "events"])
        #expect(screen.stdout.contains("boom"))
        for out in [summary.stdout, screen.stdout] {
            #expect(!out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        }
    }

    @Test func killNineLeavesAReplayableFile() throws {
        try Harness.requireBinary()
        let path = Self.dir + "/killed.rec"
        let (pid, _) = try Harness.spawn(Harness.binary, ["record", "--scenario", "content", "--duration", "86400", "--out", path],
                                         environment: ["FLEETDECK_HOME": RepositoryRoot.path])
        // Wait until a few hundred kilobytes are down, then kill without warning.
        for _ in 0..<300 {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if size > 400_000 { break }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let r = try Harness.fleetdeck(["replay", path, "--summary"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("cut short"), "\(r.stderr)")
        #expect(r.stdout.contains("simulation content"))
    }

    /// Real sources headless: an NDJSON file a producer writes, recorded for a few seconds. The
    /// pool's requests are slow: the watched fleet's SLO breach is in the recording's summary.
    @Test func recordConfigRecordsAWatchedFleet() throws {
        let feed = Self.dir + "/feed.ndjson"
        let slow = Array(repeating: "3.5", count: 30).joined(separator: ",")
        try (#"{"node":"edge-7","pool":"edge","running":2,"waiting":9,"kv_cache":0.42,"e2e_s":[\#(slow)]}"# + "\n")
            .write(toFile: feed, atomically: false, encoding: .utf8)
        try """
            scrape: {interval_ms: 300}
            streams: {files: ["\(feed)"]}
            pools: [{id: edge, slo: [{metric: e2e, percentile: 95, target_ms: 2000}]}]

            """.write(toFile: Self.dir + "/feed.yaml", atomically: true, encoding: .utf8)
        let out = Self.dir + "/watched.rec.gz"
        let r = try Harness.fleetdeck(["record", "--config", Self.dir + "/feed.yaml", "--duration", "3", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try Harness.fleetdeck(["replay", out, "--summary"])
        #expect(summary.stdout.contains(": scrape "), "\(summary.stdout)")
        #expect(summary.stdout.contains("SLO breach") && summary.stdout.contains("SLO breach on edge: e2e p95"), "\(summary.stdout)")
        #expect(summary.stderr.isEmpty, "a clean close has its end line: \(summary.stderr)")
        let json = try Harness.fleetdeck(["replay", out, "--at", "0", "--format", "json"])   // before it goes stale
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let nodes = object?["nodes"] as? [[String: Any]]
        #expect(nodes?.first?["id"] as? String == "edge-7" && nodes?.first?["waiting"] as? Int == 9)
    }

    @Test func aNewerVersionIsRefusedClearly() throws {
        let path = Self.dir + "/future.rec"
        try (#"{"type":"header","format":"fleetdeck-recording","version":7,"started":0}"# + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Harness.fleetdeck(["replay", path, "--summary"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("recording format version 7 is newer than this fleetdeck reads"), "\(r.stderr)")
    }

    /// The transport keys in a real terminal, read back from the clock on the screen.
    @Test func transportKeysInTmux() throws {
        let path = try Self.bankRecording()
        let pane = try TmuxPane(width: 140, height: 40)
        try pane.type("FLEETDECK_HOME=\(RepositoryRoot.path) \(Harness.binary) replay \(path) --paused")
        try pane.press("Enter")
        func clock(_ expected: String) throws {
            try pane.waitFor("the transport at \(expected)") { $0.contains("paused") && $0.contains("\(expected) / 09:55:00") }
        }
        try clock("09:50:00")
        try pane.press("Right")
        try clock("09:50:01")
        try pane.type("]")
        try clock("09:51:01")
        // `}` steps through the timeline's marks (incidents, actions, SLO breaches; not "SLO
        // met") as `replay --summary` lists them: the scripted scale-up at 09:52:10 and the peak
        // at 09:54:00 among them, breaches wherever the simulator puts them.
        let summary = try Harness.fleetdeck(["replay", path, "--summary"])
        let eventTimes = summary.stdout.split(separator: "\n").filter { !$0.contains("SLO met") }.compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces).prefix(8)
            return t.count == 8 && t.allSatisfy({ $0.isNumber || $0 == ":" }) && t > "09:51:01" ? String(t) : nil
        }
        var seen: [String] = []
        for t in eventTimes.prefix(4) where seen.last != t {
            try pane.type("}")
            try clock(t)
            seen.append(t)
        }
        #expect(seen.contains("09:52:10") && seen.contains("09:54:00"), "\(seen)")
        try pane.press("Left")
        let last = seen.last!
        let parts = last.split(separator: ":").compactMap { Int($0) }
        let back = parts[0] * 3600 + parts[1] * 60 + parts[2] - 1
        try clock(String(format: "%02d:%02d:%02d", back / 3600, back / 60 % 60, back % 60))
        try pane.type("g")
        try pane.waitFor(text: "go to (HH:MM[:SS]")
        try pane.type("09:52:30")
        try pane.press("Enter")
        try clock("09:52:30")
        try pane.type(">")
        try pane.waitFor("2x") { $0.contains("paused 2x") }
        try pane.type(" ")              // play: the clock moves on its own
        try pane.waitFor("playing") { s in s.contains("playing 2x") && !s.contains("09:52:30 / 09:55:00") }
        try pane.type("q")
        try pane.waitFor("the shell prompt back", timeout: 15) { !$0.contains("09:55:00") }
    }
}

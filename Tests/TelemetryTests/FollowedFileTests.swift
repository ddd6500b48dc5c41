import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct FollowedFileTests {
    @Test func followsAppendsTruncationAndRotation() throws {
        let path = NSTemporaryDirectory() + "fleetdeck-follow-\(getpid()).ndjson"
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".1") }
        try "one\n".write(toFile: path, atomically: false, encoding: .utf8)
        let f = FollowedFile(path: path)
        #expect(String(decoding: f.poll().bytes, as: UTF8.self) == "one\n")
        #expect(f.poll().bytes.isEmpty)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data("two\n".utf8))
        try h.close()
        #expect(String(decoding: f.poll().bytes, as: UTF8.self) == "two\n")
        // Truncated and rewritten shorter: read from the start again.
        try "3\n".write(toFile: path, atomically: false, encoding: .utf8)
        let t = f.poll()
        #expect(t.restarted && String(decoding: t.bytes, as: UTF8.self) == "3\n")
        // Rotated: the old file moves away, the writer adds a last line to it, and a new file
        // takes the path. The last line is read before the new file, as `tail -F` does.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        let old = try FileHandle(forWritingTo: URL(fileURLWithPath: path + ".1"))
        try old.seekToEnd()
        try old.write(contentsOf: Data("last words\n".utf8))
        try old.close()
        try "fresh\n".write(toFile: path, atomically: false, encoding: .utf8)
        let r = f.poll()
        #expect(String(decoding: r.oldTail, as: UTF8.self) == "last words\n")
        #expect(r.restarted && String(decoding: r.bytes, as: UTF8.self) == "fresh\n")
    }

    @Test func aMissingFileIsAnErrorNotACrash() {
        let f = FollowedFile(path: "/nonexistent/fleet.ndjson")
        #expect(f.poll().bytes.isEmpty)
        #expect(f.lastError?.contains("cannot open /nonexistent/fleet.ndjson") == true)
    }
}

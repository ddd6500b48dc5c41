@testable import MetricsFormats
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct CredentialTests {
    @Test func redisPasswordsComeFromAFileAndAUsernameNeedsOne() throws {
        let path = NSTemporaryDirectory() + "fleetdeck-redis-\(getpid())"
        try "hunter2\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let c = try WatchConfig.read(YAMLValue.parse("""
            redis: [{address: "127.0.0.1:6379", pool: chat, username: fleetdeck, password_file: \(path)}]
            """, file: "c.yaml"))
        #expect(c.redis.first?.password == "hunter2" && c.redis.first?.username == "fleetdeck")
        #expect(throws: ConfigFileError.self) {
            try WatchConfig.read(YAMLValue.parse("redis: [{address: \"127.0.0.1:6379\", username: u}]", file: "c.yaml"))
        }
    }

    @Test func tokensComeFromFilesOrTheEnvironmentNeverTheConfig() throws {
        let path = NSTemporaryDirectory() + "fleetdeck-token-\(getpid())"
        try "s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        setenv("FLEETDECK_TEST_PASSWORD", "pw", 1)
        let doc = try YAMLValue.parse("""
            targets:
              - {url: "http://a/metrics", node: a, bearer_token_file: "\(path)"}
              - {url: "http://b/metrics", node: b, basic_auth: {username: ops, password_env: FLEETDECK_TEST_PASSWORD}}
              - {url: "http://c/metrics", node: c}
            """, file: "c.yaml")
        let c = try WatchConfig.read(doc)
        #expect(c.targets[0].authorization == "Bearer s3cret")
        #expect(c.targets[1].authorization == "Basic " + Data("ops:pw".utf8).base64EncodedString())
        #expect(c.targets[2].authorization == nil)
        let missing = try YAMLValue.parse("targets:\n  - {url: \"http://a/m\", bearer_token_env: FLEETDECK_UNSET_VARIABLE}\n", file: "c.yaml")
        let e = #expect(throws: ConfigFileError.self) { try WatchConfig.read(missing) }
        #expect(e?.message == "$FLEETDECK_UNSET_VARIABLE is not set")
    }
}

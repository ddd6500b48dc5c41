import FleetdeckTestSupport
import AsyncHTTPClient
import Foundation
import FleetCore
import Testing
@testable import Telemetry

/// Scrapes over HTTPS from a real TLS server (Python's, with a certificate openssl makes for
/// the test): trusted through tls.ca_file, refused without it, accepted with
/// insecure_skip_verify.
@Suite(.serialized) struct TLSScrapeTests {
    @Test func caFileTrustsTheTargetAndItsAbsenceIsExplained() async throws {
        guard let openssl = Harness.which("openssl"), let python = Harness.which("python3") else {
            throw HarnessError("openssl and python3 are needed (Scripts/test installs them)")
        }
        let dir = NSTemporaryDirectory() + "fleetdeck-tls-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: RepositoryRoot.path + "/sample-data/telemetry/vllm-v1.prom", toPath: dir + "/metrics")
        let made = try Harness.run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem",
                                             "-out", dir + "/cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1",
                                             "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made.status == 0, "\(made.stderr)")
        try """
            import functools, http.server, ssl, sys
            port, root, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
            server = http.server.HTTPServer(("127.0.0.1", port), functools.partial(http.server.SimpleHTTPRequestHandler, directory=root))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            server.serve_forever()
            """.write(toFile: dir + "/serve.py", atomically: true, encoding: .utf8)
        let port = try Harness.freePort()
        let (pid, _) = try Harness.spawn(python, [dir + "/serve.py", "\(port)", dir, dir + "/cert.pem", dir + "/key.pem"])
        defer { Harness.stop(pid) }
        let url = "https://127.0.0.1:\(port)/metrics"

        let trusting = try TelemetryHTTPClient.make(tls: TLSSettings(caFile: dir + "/cert.pem"))
        let plain = try TelemetryHTTPClient.make(tls: nil)
        let insecure = try TelemetryHTTPClient.make(tls: TLSSettings(insecureSkipVerify: true))

        var trusted: Result<MetricsScraper.Success, ScrapeFailure> = .failure(ScrapeFailure("not tried"))
        for _ in 0..<50 {   // the server needs a moment to listen
            trusted = await MetricsScraper(client: trusting, timeout: 3).scrape(url)
            if case .success = trusted { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let body = try trusted.get().body
        #expect(String(decoding: body, as: UTF8.self).contains("vllm:num_requests_running"))

        // A generous deadline: under a full parallel test run the handshake itself can take
        // seconds, and a deadline that ends first would (rightly) report a timeout instead.
        let refused = await MetricsScraper(client: plain, timeout: 20).scrape(url)
        if case .failure(let why) = refused {
            #expect(why.reason.contains("TLS certificate not trusted"), "\(why.reason)")
        } else {
            Issue.record("an untrusted certificate was accepted")
        }

        let lab = await MetricsScraper(client: insecure, timeout: 20).scrape(url)
        #expect((try? lab.get()) != nil)
        for c in [trusting, plain, insecure] { try await c.shutdown() }
    }

    @Test func tlsConfigIsReadAndCheckedWithLineNumbers() throws {
        let doc = try YAMLValue.parse("""
            targets:
              - {url: "https://10.0.0.7:8000/metrics"}
            tls:
              cert_file: /etc/hostname
            """, file: "c.yaml")
        #expect(throws: (any Error).self) { try WatchConfig.read(doc) }
        do { _ = try WatchConfig.read(doc) } catch {
            #expect("\(error)".contains("c.yaml:4"), "\(error)")
            #expect("\(error)".contains("cert_file and key_file go together"), "\(error)")
        }
    }
}

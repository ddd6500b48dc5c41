import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct LoopbackListenerTests {
    @Test func producersOnLoopbackAreReadLineByLine() throws {
        let port = try #require(FreePort.loopback())
        let listener = try LoopbackListener(port: port)
        let client = try #require(Loopback.connect(port: port))
        defer { close(client) }
        let payload = Array("{\"node\":\"a\"}\n{\"node\":\"b\"}\npartial".utf8)
        _ = payload.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
        var got: [(line: LineSplitter.Piece, source: String, number: Int)] = []
        for _ in 0..<50 where got.count < 2 {
            got += listener.poll()
            usleep(20_000)
        }
        #expect(got.map(\.line) == [.line("{\"node\":\"a\"}"), .line("{\"node\":\"b\"}")])
        #expect(got.map(\.number) == [1, 2])
        #expect(got.first?.source.hasPrefix("tcp:\(port)") == true)
    }
}

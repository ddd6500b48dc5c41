@testable import MetricsFormats
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct TargetHealthTests {
    @Test func upStaleDownAndBack() {
        var h = TargetHealth()
        #expect(h.state.0 == .stale && h.state.1 == "waiting for the first scrape")
        h.recordSuccess(duration: 0.01)
        #expect(h.state.0 == .up && h.state.1 == nil)
        h.recordFailure("timeout after 2 s")
        #expect(h.state.0 == .stale && h.state.1 == "missed 1 scrape: timeout after 2 s")
        h.recordFailure("timeout after 2 s")
        h.recordFailure("HTTP 503")
        #expect(h.state.0 == .down && h.state.1 == "HTTP 503")
        h.recordSuccess(duration: 0.01)
        #expect(h.state.0 == .up)
        #expect(h.scrapes == 5 && h.failures == 3)
    }

    @Test func neverReachedIsDownAtOnce() {
        var h = TargetHealth()
        h.recordFailure("connection refused")
        #expect(h.state.0 == .down && h.state.1 == "connection refused")
    }
}

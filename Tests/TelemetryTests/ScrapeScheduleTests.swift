@testable import MetricsFormats
import FleetCore
import Foundation
import Testing
@testable import Telemetry

@Suite struct ScrapeScheduleTests {
    @Test func backsOffExponentiallyToAMinuteWithJitter() {
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 0, jitter: 0) == 1)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 1, jitter: 0) == 2)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 3, jitter: 0) == 8)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 40, jitter: 0) == 60)
        #expect(ScrapeSchedule.delay(interval: 120, consecutiveFailures: 2, jitter: 0) == 120)  // never below the interval
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 0, jitter: 1) == 1.1)
        #expect(ScrapeSchedule.delay(interval: 1, consecutiveFailures: 0, jitter: -5) == 0.9)
    }
}

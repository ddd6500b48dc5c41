import Testing
@testable import FleetCore

@Suite struct FormatTests {
    @Test func latencies() {
        #expect(Format.latency(nil) == "-")
        #expect(Format.latency(0.0004) == "<1ms")
        #expect(Format.latency(0.85) == "850ms")
        #expect(Format.latency(2.4) == "2.40s")
        #expect(Format.latency(42) == "42.0s")
        #expect(Format.latency(65) == "1m05s")
    }

    @Test func numbersDurationsAndMoney() {
        #expect(Format.compact(950) == "950")
        #expect(Format.compact(12_345) == "12k")
        #expect(Format.compact(1_234) == "1.2k")
        #expect(Format.compact(4_100_000) == "4.1M")
        #expect(Format.compact(2.5) == "2.5")
        #expect(Format.duration(900) == "15m")
        #expect(Format.duration(3900) == "1h05m")
        #expect(Format.dollars(243.2) == "$243")
        #expect(Format.dollars(30.4) == "$30.40")
        #expect(Format.dollars(12_600) == "$12.6k")
        #expect(Format.percent(0.746) == "75%")
        #expect(Format.clock(9 * 3600 + 5 * 60 + 7) == "09:05:07")
        #expect(Format.clock(86_400 + 61) == "00:01:01")
    }
}

import MetricsFormats
import Testing
import Telemetry

@Suite struct CacheReadingTests {
    @Test func hitRateComesFromDeltasAndSurvivesARestart() {
        let a = RedisInfoParser.parse("# Stats\r\nkeyspace_hits:100\r\nkeyspace_misses:100\r\n")
        let b = RedisInfoParser.parse("# Stats\r\nkeyspace_hits:190\r\nkeyspace_misses:110\r\n")
        #expect(CacheReading(b).hitRate(since: CacheReading(a)) == 0.9)
        #expect(CacheReading(b).hitRate(since: CacheReading(b)) == nil)                 // nothing looked up
        #expect(CacheReading(a).hitRate(since: CacheReading(b)) == nil)                 // counters went back: a restart
    }
}

import AsyncHTTPClient
import FleetCore
import Foundation
import Synchronization

/// Scrapes every target once per interval, at most `concurrency` at a time, feeds the
/// aggregator and publishes a snapshot after each round. Runs until `stop()`.
public final class ScrapeLoop: @unchecked Sendable {
    private let aggregator: FleetAggregator      // touched only by run()
    private let scraper: MetricsScraper
    private let store: SnapshotStore
    private let clock: any FleetClock
    private let concurrency: Int
    private let stopped = Atomic<Bool>(false)

    public init(aggregator: FleetAggregator, scraper: MetricsScraper, store: SnapshotStore,
                clock: any FleetClock = WallClock(), concurrency: Int = 32) {
        self.aggregator = aggregator
        self.scraper = scraper
        self.store = store
        self.clock = clock
        self.concurrency = concurrency
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    public func run() async {
        let targets = aggregator.config.targets
        let interval = aggregator.config.interval
        while !stopped.load(ordering: .relaxed) {
            let roundStart = clock.now
            await withTaskGroup(of: (Int, Result<MetricsScraper.Success, ScrapeFailure>).self) { group in
                var next = 0
                func launch() {
                    let i = next
                    let url = targets[i].url
                    let scraper = self.scraper
                    group.addTask { (i, await scraper.scrape(url)) }
                    next += 1
                }
                while next < min(concurrency, targets.count) { launch() }
                for await (i, result) in group {
                    aggregator.ingest(target: i, result, at: clock.now)
                    if next < targets.count { launch() }
                }
            }
            for (i, r) in aggregator.config.redis.enumerated() {
                let client = RedisClient(host: r.host, port: r.port, timeout: scraper.timeout)
                let result = await Task.detached { client.info() }.value
                aggregator.ingestRedis(i, result, at: clock.now)
            }
            store.publish(aggregator.snapshot(at: clock.now))
            let rest = interval - (clock.now - roundStart)
            if rest > 0 { try? await Task.sleep(nanoseconds: UInt64(rest * 1e9)) }
        }
    }
}

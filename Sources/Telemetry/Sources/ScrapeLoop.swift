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

    /// Scrapes whatever is due (each target on its own jittered, backed-off schedule) and
    /// publishes a snapshot once per interval, so histories keep one sample per interval.
    public func run() async {
        let targets = aggregator.config.targets
        let interval = aggregator.config.interval
        var random = SystemRandomNumberGenerator()
        let start = clock.now
        // Spread the first scrapes over the first interval.
        var due = targets.indices.map { _ in start + Double.random(in: 0..<interval * 0.5, using: &random) }
        var nextPublish = start + interval
        while !stopped.load(ordering: .relaxed) && !Task.isCancelled {
            let now = clock.now
            let ready = targets.indices.filter { due[$0] <= now }
            if !ready.isEmpty {
                await withTaskGroup(of: (Int, Result<MetricsScraper.Success, ScrapeFailure>).self) { group in
                    var next = 0
                    func launch() {
                        let i = ready[next]
                        let url = targets[i].url
                        let scraper = self.scraper
                        group.addTask { (i, await scraper.scrape(url, authorization: targets[i].authorization)) }
                        next += 1
                    }
                    while next < min(concurrency, ready.count) { launch() }
                    for await (i, result) in group {
                        let t = clock.now
                        aggregator.ingest(target: i, result, at: t)
                        due[i] = t + ScrapeSchedule.delay(interval: interval, consecutiveFailures: aggregator.consecutiveFailures(i),
                                                          jitter: Double.random(in: -1...1, using: &random))
                        if next < ready.count { launch() }
                    }
                }
            }
            if clock.now >= nextPublish {
                for (i, r) in aggregator.config.redis.enumerated() {
                    let client = RedisClient(host: r.host, port: r.port, timeout: scraper.timeout)
                    let result = await Task.detached { client.info() }.value
                    aggregator.ingestRedis(i, result, at: clock.now)
                }
                store.publish(aggregator.snapshot(at: clock.now))
                nextPublish += interval
                if nextPublish < clock.now { nextPublish = clock.now + interval }
            }
            let wake = min(nextPublish, due.min() ?? nextPublish)
            let sleep = max(0.02, min(interval, wake - clock.now))
            try? await Task.sleep(nanoseconds: UInt64(sleep * 1e9))
        }
    }
}

import AsyncHTTPClient
import FleetCore
import Foundation
import Synchronization

/// Scrapes every target on its own schedule (one task per target, jittered, backing off while
/// it fails, at most `concurrency` fetches at once). Each target's task fetches, parses and
/// maps its page, so parsing spreads over the cores; each Redis is polled by its own task.
/// A single consumer stores the readings in the aggregator and publishes a snapshot once per
/// interval, so a slow target or a silent Redis delays nobody. With discovery, one more task
/// reads the providers each second; the consumer hands the aggregator the new set and starts
/// and stops target tasks to match.
public final class ScrapeLoop: FleetSource, @unchecked Sendable {
    private let aggregator: FleetAggregator      // touched only by the consumer in run()
    private let scraper: MetricsScraper
    private let store: SnapshotStore
    private let clock: any FleetClock
    private let limiter: AsyncLimiter
    private let stopped = Atomic<Bool>(false)
    /// Targets discovery dropped: their tasks end at their next turn.
    private let dropped = Mutex<Set<Int>>([])

    private let discovery: TargetDiscovery?      // touched only by its task in run()

    enum Event: Sendable {
        case scraped(Int, TargetScrape, Double)
        case redis(Int, Result<CacheReading, ScrapeFailure>, Double)
        /// The new targets when they changed, the providers' states, the skipped addresses.
        case discovered([WatchConfig.Target]?, [TargetDiscovery.ProviderStatus], [String], Double)
        case tick
    }

    public init(aggregator: FleetAggregator, scraper: MetricsScraper, store: SnapshotStore,
                clock: any FleetClock = WallClock(), concurrency: Int = 32, discovery: TargetDiscovery? = nil) {
        self.aggregator = aggregator
        self.scraper = scraper
        self.store = store
        self.clock = clock
        self.discovery = discovery
        limiter = AsyncLimiter(limit: concurrency)
        inspector = TargetInspector(scraper: scraper)
        inspector.track(aggregator.config.targets)
    }

    /// Opens a node down to its engine's page, for the console's `i`.
    public let inspector: TargetInspector

    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Scrapes between two reads of a llama.cpp server's `/slots`, and after one that failed.
    static let slotsEvery = 10
    static let slotsRetry = 60

    private var running: Bool { !stopped.load(ordering: .relaxed) && !Task.isCancelled }

    public func run() async {
        let interval = aggregator.config.interval
        let staticTargets = aggregator.config.targets
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        // Discarding: tasks of targets that come and go must not pile up as finished children.
        await withDiscardingTaskGroup { group in
            func scrape(_ id: Int, _ target: WatchConfig.Target) {
                group.addTask { [scraper, limiter, clock] in
                    var random = SystemRandomNumberGenerator()
                    // Spread the first scrapes over half an interval.
                    try? await Task.sleep(nanoseconds: UInt64(Double.random(in: 0..<interval * 0.5, using: &random) * 1e9))
                    var failures = 0
                    var scrapesUntilSlots = 0
                    // Ids are never reused: once ended, the task's id can leave the set.
                    defer { self.dropped.withLock { _ = $0.remove(id) } }
                    func isDropped() -> Bool { self.dropped.withLock { $0.contains(id) } }
                    while self.running && !isDropped() {
                        let fetch = await limiter.run { await scraper.scrape(target.url, authorization: target.authorization) }
                        guard !isDropped() else { break }
                        let time = clock.now
                        if case .success = fetch { failures = 0 } else { failures += 1 }
                        var scrape = TargetScrape(fetch)
                        // llama.cpp states its slots on a page of their own: read now and then.
                        if case .reading(var r, .llamacpp, let parse, let duration) = scrape, let url = LlamaCppSlots.url(besides: target.url) {
                            if scrapesUntilSlots <= 0 {
                                let page = await limiter.run { await scraper.scrape(url, authorization: target.authorization) }
                                if case .success(let s) = page, case .success(let slots) = LlamaCppSlots.parse(s.body, source: url) {
                                    r.slots = slots
                                    scrapesUntilSlots = Self.slotsEvery
                                } else {
                                    scrapesUntilSlots = Self.slotsRetry     // --no-slots, or a proxy in front
                                }
                                scrape = .reading(r, stack: .llamacpp, parse: parse, duration: duration)
                            }
                            scrapesUntilSlots -= 1
                        }
                        sink.yield(.scraped(id, scrape, time))
                        let delay = ScrapeSchedule.delay(interval: interval, consecutiveFailures: failures,
                                                         jitter: Double.random(in: -1...1, using: &random))
                        try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    }
                }
            }
            for (id, target) in aggregator.currentTargets { scrape(id, target) }
            if let discovery {
                group.addTask { [scraper, clock] in
                    while self.running {
                        let changed = await discovery.refresh(at: clock.now) { url, authorization in
                            await scraper.scrape(url, authorization: authorization).map(\.body)
                        }
                        sink.yield(.discovered(changed ? discovery.targets.targets : nil, discovery.statuses,
                                               discovery.targets.skipped, clock.now))
                        try? await Task.sleep(nanoseconds: 1_000_000_000)
                    }
                }
            }
            for (i, r) in aggregator.config.redis.enumerated() {
                let client = RedisClient(host: r.host, port: r.port, timeout: scraper.timeout, password: r.password, username: r.username)
                group.addTask { [clock] in
                    while self.running {
                        // The client blocks on its socket: on a thread of its own, never on the
                        // two or so threads every task shares.
                        let result = await withCheckedContinuation { c in
                            Thread.detachNewThread { c.resume(returning: client.info().map(CacheReading.init)) }
                        }
                        sink.yield(.redis(i, result, clock.now))
                        try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                    }
                }
            }
            group.addTask {
                while self.running {
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                    sink.yield(.tick)
                }
                sink.finish()
            }
            // The one consumer: everything the aggregator sees goes through here.
            for await event in events {
                switch event {
                case let .scraped(i, scrape, time):
                    aggregator.ingest(target: i, scrape, at: time)
                case let .redis(i, result, time):
                    aggregator.ingestRedis(i, result, at: time)
                case let .discovered(found, statuses, skipped, time):
                    guard let found else {
                        aggregator.discovery = (statuses, skipped)
                        break
                    }
                    // Static targets win over discovered ones with their URL or node name.
                    let clashes = found.filter { t in staticTargets.contains { $0.url == t.url || $0.node == t.node } }
                    aggregator.discovery = (statuses, skipped + clashes.map { "\($0.node): a static target has its URL or name" })
                    let (added, removed) = aggregator.setTargets(staticTargets + found.filter { t in !clashes.contains(t) }, at: time)
                    dropped.withLock { $0.formUnion(removed) }
                    for (id, target) in added { scrape(id, target) }
                    if !added.isEmpty || !removed.isEmpty { inspector.track(aggregator.currentTargets.map(\.target)) }
                case .tick:
                    store.publish(aggregator.snapshot(at: clock.now))
                }
                if !running { break }
            }
            group.cancelAll()
        }
    }
}

/// At most `limit` operations at once; the rest wait their turn in order.
actor AsyncLimiter {
    private let limit: Int
    private var active = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        if active >= limit {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            active += 1
        }
        let result = await body()
        if waiters.isEmpty { active -= 1 } else { waiters.removeFirst().resume() }
        return result
    }
}

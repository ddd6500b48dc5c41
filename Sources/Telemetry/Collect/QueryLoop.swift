import FleetCore
import Foundation
import Synchronization

/// Polls a Prometheus-compatible API once per interval and publishes a snapshot each time.
public final class QueryLoop: FleetSource, @unchecked Sendable {
    private let source: PrometheusQuerySource
    private let aggregator: QueryAggregator     // touched only by run()
    private let store: SnapshotStore
    private let interval: Double
    private let clock: any FleetClock
    private let stopped = Atomic<Bool>(false)

    public init(source: PrometheusQuerySource, aggregator: QueryAggregator, store: SnapshotStore, interval: Double,
                clock: any FleetClock = WallClock()) {
        self.source = source
        self.aggregator = aggregator
        self.store = store
        self.interval = interval
        self.clock = clock
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    public func run() async {
        while !stopped.load(ordering: .relaxed) && !Task.isCancelled {
            let start = clock.now
            aggregator.ingest(await source.poll(), at: clock.now)
            store.publish(aggregator.snapshot(at: clock.now))
            let rest = interval - (clock.now - start)
            if rest > 0 { try? await Task.sleep(nanoseconds: UInt64(rest * 1e9)) }
        }
    }
}

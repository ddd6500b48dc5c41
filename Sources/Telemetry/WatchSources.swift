import AsyncHTTPClient
import FleetCore

/// The one source a watch config describes, publishing into a store: NDJSON streams, a
/// Prometheus-compatible query API, or scrape targets with their Redis caches (one kind at a
/// time). Shared by `watch` and headless `record --config`.
public enum WatchSources {
    public static func make(_ w: WatchConfig, client: HTTPClient, store: SnapshotStore, stdin: Bool) throws -> any FleetSource {
        let clock = WallClock()
        if stdin && (!w.targets.isEmpty || !w.discovery.isEmpty || w.prometheus != nil) {
            throw WatchSourceError("--stdin is a stream source; the config also names scrape targets or a Prometheus (one kind of source at a time)")
        }
        if !w.streamFiles.isEmpty || w.streamPort != nil || stdin {
            let piped: PipedInput?
            do { piped = stdin ? try PipedInput.takeStandardInput() : nil } catch { throw WatchSourceError("\(error)") }
            let name = ((stdin ? ["stdin"] : []) + w.streamFiles + (w.streamPort.map { ["tcp:\($0)"] } ?? [])).joined(separator: ", ")
            let aggregator = StreamAggregator(name: name, pools: w.pools, startTime: clock.now, interval: w.interval)
            do {
                return try StreamLoop(aggregator: aggregator, files: w.streamFiles, listenPort: w.streamPort, piped: piped, store: store,
                                      interval: w.interval, clock: clock)
            } catch { throw WatchSourceError("\(error)") }
        }
        if let prom = w.prometheus {
            // A query API was given: it does the collecting, fleetdeck asks.
            let source = PrometheusQuerySource(config: prom, client: client, timeout: w.timeout)
            let aggregator = QueryAggregator(name: "prometheus", address: prom.url, pools: w.pools,
                                             apiBaseline: w.apiBaseline, startTime: clock.now)
            return QueryLoop(source: source, aggregator: aggregator, store: store, interval: w.interval, clock: clock)
        }
        let aggregator = FleetAggregator(config: w, name: "watch", startTime: clock.now)
        let scraper = MetricsScraper(client: client, timeout: w.timeout)
        return ScrapeLoop(aggregator: aggregator, scraper: scraper, store: store, clock: clock,
                          discovery: w.discovery.isEmpty ? nil : TargetDiscovery(config: w.discovery))
    }
}

/// Why a watch config's source could not be set up, in words for the operator.
public struct WatchSourceError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

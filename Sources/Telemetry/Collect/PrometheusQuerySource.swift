import MetricsFormats
import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore

/// Where fleetdeck follows fleets of thousands of nodes: Prometheus (or Thanos, Mimir,
/// VictoriaMetrics) does the collecting, fleetdeck asks its HTTP API a fixed set of instant
/// queries each tick. The PromQL is in `queries` and in Docs/telemetry.md.
public struct PrometheusQuerySource: Sendable {
    public struct Config: Sendable, Equatable {
        public var url: String
        /// The label naming a node (one server).
        public var nodeLabel: String = "instance"
        /// The label naming a pool.
        public var poolLabel: String = "job"

        public init(url: String, nodeLabel: String = "instance", poolLabel: String = "job") {
            self.url = url; self.nodeLabel = nodeLabel; self.poolLabel = poolLabel
        }
    }

    public let config: Config
    public let client: HTTPClient
    public let timeout: Double

    public init(config: Config, client: HTTPClient, timeout: Double) {
        self.config = config; self.client = client; self.timeout = timeout
    }

    /// One concept, one query; vLLM's names with SGLang's as the alternative.
    public enum Concept: String, CaseIterable, Sendable {
        case running, waiting, kvCacheUsage, tokensPerSecond, promptTokensPerSecond, prefixHitRate, preemptionsPerSecond, up
    }

    public func query(for concept: Concept) -> String {
        let by = "\(config.poolLabel), \(config.nodeLabel)"
        switch concept {
        case .running: return "sum by (\(by)) (vllm:num_requests_running or sglang:num_running_reqs)"
        case .waiting: return "sum by (\(by)) (vllm:num_requests_waiting or sglang:num_queue_reqs)"
        case .kvCacheUsage: return "avg by (\(by)) (vllm:kv_cache_usage_perc or sglang:token_usage)"
        case .tokensPerSecond: return "sum by (\(by)) (rate(vllm:generation_tokens_total[1m]) or rate(sglang:generation_tokens_total[1m]))"
        case .promptTokensPerSecond: return "sum by (\(by)) (rate(vllm:prompt_tokens_total[1m]) or rate(sglang:prompt_tokens_total[1m]))"
        case .prefixHitRate:
            return "sum by (\(by)) (rate(vllm:prefix_cache_hits_total[1m])) / sum by (\(by)) (rate(vllm:prefix_cache_queries_total[1m]))"
        case .preemptionsPerSecond: return "sum by (\(by)) (rate(vllm:num_preemptions_total[1m]))"
        case .up: return "up"
        }
    }

    /// `histogram_quantile` per pool over the last minute.
    /// nil for the error rate, which is no histogram.
    public func latencyQuery(_ metric: SLOObjective.Metric, quantile q: Double) -> String? {
        // vLLM's and SGLang's names for each signal (the same where they agree).
        let names: (vllm: String, sglang: String)? = switch metric {
        case .ttft: ("time_to_first_token_seconds", "time_to_first_token_seconds")
        case .e2e: ("e2e_request_latency_seconds", "e2e_request_latency_seconds")
        case .tpot: ("inter_token_latency_seconds", "inter_token_latency_seconds")
        case .queueTime: ("request_queue_time_seconds", "queue_time_seconds")
        case .errorRate: nil
        }
        guard let (vllm, sglang) = names else { return nil }
        return "histogram_quantile(\(q), sum by (le, \(config.poolLabel)) (rate(vllm:\(vllm)_bucket[1m]) or rate(sglang:\(sglang)_bucket[1m])))"
    }

    public func run(_ promql: String) async -> Result<PrometheusQueryResponse, ScrapeFailure> {
        var components = URLComponents(string: config.url.hasSuffix("/") ? String(config.url.dropLast()) : config.url)
        components?.path += "/api/v1/query"
        components?.queryItems = [URLQueryItem(name: "query", value: promql)]
        // '+' survives URLComponents unescaped and would read as a space.
        guard let url = components?.url?.absoluteString.replacingOccurrences(of: "+", with: "%2B") else {
            return .failure(ScrapeFailure("bad Prometheus URL \(config.url)"))
        }
        let (client, timeout) = (self.client, self.timeout)
        do {
            // One deadline for the whole exchange: a query API that stalls mid-answer fails.
            let body = try await withDeadline(seconds: timeout) {
                let response = try await client.execute(HTTPClientRequest(url: url), timeout: .milliseconds(Int64(timeout * 1000)))
                return Array(buffer: try await response.body.collect(upTo: 64 << 20))
            }
            return .success(try PrometheusQueryParser.parse(Data(body)))
        } catch is DeadlineExceeded {
            return .failure(ScrapeFailure("timeout after \(MetricsScraper.seconds(timeout)) (the whole exchange)"))
        } catch let e as PrometheusQueryError {
            return .failure(ScrapeFailure(e.description))
        } catch {
            return .failure(ScrapeFailure(MetricsScraper.describe(error)))
        }
    }

    /// The values of one instant query by (pool, node).
    public func values(_ concept: Concept) async -> Result<[NodeKey: Double], ScrapeFailure> {
        switch await run(query(for: concept)) {
        case .failure(let f): return .failure(f)
        case .success(let r):
            var out: [NodeKey: Double] = [:]
            for s in r.series {
                guard let node = s.labels[config.nodeLabel], let v = s.points.last?.value else { continue }
                out[NodeKey(pool: s.labels[config.poolLabel] ?? "default", node: node)] = v
            }
            return .success(out)
        }
    }

    public struct NodeKey: Hashable, Sendable, Comparable {
        public var pool: String
        public var node: String
        public static func < (a: NodeKey, b: NodeKey) -> Bool { (a.pool, a.node) < (b.pool, b.node) }
    }

    /// One tick: every query, assembled into node readings. Nodes are those with engine
    /// series, plus targets Prometheus reports down (`up == 0`).
    public func poll() async -> Result<QueryTick, ScrapeFailure> {
        // The 16 queries go out together: a tick costs the slowest query, not their sum.
        let concepts = await withTaskGroup(of: (Concept, Result<[NodeKey: Double], ScrapeFailure>).self) { group in
            for c in Concept.allCases { group.addTask { (c, await self.values(c)) } }
            var out: [Concept: Result<[NodeKey: Double], ScrapeFailure>] = [:]
            for await (c, r) in group { out[c] = r }
            return out
        }
        var results: [Concept: [NodeKey: Double]] = [:]
        for c in Concept.allCases {
            switch concepts[c] {
            case .failure(let f): return .failure(f)
            case .success(let v): results[c] = v
            case nil: return .failure(ScrapeFailure("query for \(c.rawValue) did not run"))
            }
        }
        let metrics = SLOObjective.Metric.latencies
        let quantiles: [(Double, WritableKeyPath<Quantiles, Double?>)] = [(0.5, \.p50), (0.9, \.p90), (0.95, \.p95), (0.99, \.p99)]
        let answers = await withTaskGroup(of: (Int, Int, PrometheusQueryResponse?).self) { group in
            for (m, metric) in metrics.enumerated() {
                for (k, q) in quantiles.enumerated() {
                    guard let promql = latencyQuery(metric, quantile: q.0) else { continue }
                    group.addTask {
                        guard case .success(let r) = await self.run(promql) else { return (m, k, nil) }
                        return (m, k, r)
                    }
                }
            }
            var out: [(Int, Int, PrometheusQueryResponse?)] = []
            for await a in group { out.append(a) }
            return out
        }
        var latency: [String: LatencySignals] = [:]
        for (m, k, response) in answers {
            for s in response?.series ?? [] {
                guard let v = s.points.last?.value, v.isFinite else { continue }
                let pool = s.labels[config.poolLabel] ?? "default"
                var figures = latency[pool, default: LatencySignals()][metrics[m]] ?? Quantiles()
                figures[keyPath: quantiles[k].1] = v
                latency[pool, default: LatencySignals()][metrics[m]] = figures
            }
        }
        let engines = Set((results[.running] ?? [:]).keys)
        let down = Set((results[.up] ?? [:]).filter { $0.value == 0 }.keys)
        return .success(QueryTick(nodes: engines.union(down).sorted(), down: down, values: results, latency: latency))
    }

    public struct QueryTick: Sendable {
        public var nodes: [NodeKey]
        public var down: Set<NodeKey>
        public var values: [Concept: [NodeKey: Double]]
        /// Per pool; quantiles come without counts, so no samples are set.
        public var latency: [String: LatencySignals]

        public func value(_ c: Concept, _ k: NodeKey) -> Double? { values[c]?[k] }
    }
}

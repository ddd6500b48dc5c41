import Foundation

/// The body of Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`), as Prometheus,
/// Thanos, Mimir and VictoriaMetrics return it. Values arrive as `[unix_seconds, "string"]`.
public struct PrometheusQueryResponse: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var time: Double
        public var value: Double
    }

    public struct Series: Sendable, Equatable {
        public var labels: [String: String]
        public var points: [Point]
    }

    public enum Result: Sendable, Equatable {
        /// One point per series (instant query).
        case vector([Series])
        /// Many points per series (range query).
        case matrix([Series])
        case scalar(Point)
        case string(time: Double, value: String)
    }

    public var result: Result
    public var warnings: [String]

    public var series: [Series] {
        switch result {
        case .vector(let s), .matrix(let s): return s
        case .scalar, .string: return []
        }
    }
}

public enum PrometheusQueryError: Error, CustomStringConvertible, Equatable {
    /// The server answered `"status": "error"`.
    case server(type: String, message: String)
    case malformed(String)

    public var description: String {
        switch self {
        case let .server(type, message): return "query failed (\(type)): \(message)"
        case let .malformed(why): return "malformed query response: \(why)"
        }
    }
}

public enum PrometheusQueryParser {
    public static func parse(_ data: Data) throws -> PrometheusQueryResponse {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw PrometheusQueryError.malformed("not JSON (\(data.count) bytes)")
        }
        guard let obj = root as? [String: Any], let status = obj["status"] as? String else {
            throw PrometheusQueryError.malformed("no status")
        }
        if status == "error" {
            throw PrometheusQueryError.server(type: obj["errorType"] as? String ?? "unknown",
                                              message: obj["error"] as? String ?? "")
        }
        guard status == "success", let d = obj["data"] as? [String: Any], let type = d["resultType"] as? String else {
            throw PrometheusQueryError.malformed("status '\(status)' without data.resultType")
        }
        let warnings = obj["warnings"] as? [String] ?? []
        switch type {
        case "vector", "matrix":
            guard let items = d["result"] as? [[String: Any]] else { throw PrometheusQueryError.malformed("result is not a list") }
            let series = try items.map { item -> PrometheusQueryResponse.Series in
                let labels = (item["metric"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
                let raw: [Any]
                if type == "vector" {
                    guard let v = item["value"] else { throw PrometheusQueryError.malformed("vector sample without value") }
                    raw = [v]
                } else {
                    guard let vs = item["values"] as? [Any] else { throw PrometheusQueryError.malformed("matrix series without values") }
                    raw = vs
                }
                return .init(labels: labels, points: try raw.map(point))
            }
            return .init(result: type == "vector" ? .vector(series) : .matrix(series), warnings: warnings)
        case "scalar":
            return .init(result: .scalar(try point(d["result"] as Any)), warnings: warnings)
        case "string":
            guard let pair = d["result"] as? [Any], pair.count == 2, let t = number(pair[0]), let s = pair[1] as? String else {
                throw PrometheusQueryError.malformed("bad string result")
            }
            return .init(result: .string(time: t, value: s), warnings: warnings)
        default:
            throw PrometheusQueryError.malformed("unknown resultType '\(type)'")
        }
    }

    static func number(_ any: Any) -> Double? {
        (any as? NSNumber)?.doubleValue
    }

    /// `[1760007600.5, "6"]`; the value may be "NaN", "+Inf" or "-Inf".
    static func point(_ any: Any) throws -> PrometheusQueryResponse.Point {
        guard let pair = any as? [Any], pair.count == 2, let t = number(pair[0]), let s = pair[1] as? String,
              let v = NumberParsing.double(s) else {
            throw PrometheusQueryError.malformed("a sample is not [time, \"value\"]")
        }
        return .init(time: t, value: v)
    }
}

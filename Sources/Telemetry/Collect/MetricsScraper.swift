import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP GET of a `/metrics` endpoint, with the limits a console needs: a timeout, a cap on
/// the body, and failures described the way an operator reads them ("timeout after 2 s",
/// "HTTP 503", "connection refused").
public struct MetricsScraper: Sendable {
    public struct Success: Sendable {
        public var body: [UInt8]
        public var openMetrics: Bool
        public var duration: Double

        public init(body: [UInt8], openMetrics: Bool, duration: Double) {
            self.body = body; self.openMetrics = openMetrics; self.duration = duration
        }
    }

    public let client: HTTPClient
    public var timeout: Double
    public var maxBodyBytes: Int
    /// `timeout` is held to the watch config's 0.05...600 s, whoever passes it.
    public init(client: HTTPClient, timeout: Double, maxBodyBytes: Int = 16 << 20) {
        self.client = client
        self.timeout = timeout.isFinite ? min(max(timeout, 0.05), 600) : 5
        self.maxBodyBytes = maxBodyBytes
    }

    /// `authorization` is a whole `Authorization` header value (Bearer or Basic), read from a
    /// file or the environment by the config, never taken from the command line.
    public func scrape(_ url: String, authorization: String? = nil) async -> Result<Success, ScrapeFailure> {
        let started = Date()
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1")
        request.headers.add(name: "User-Agent", value: "fleetdeck")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let (client, timeout, maxBodyBytes) = (self.client, self.timeout, self.maxBodyBytes)
        do {
            // One deadline for the whole exchange, body included.
            return try await withDeadline(seconds: timeout) { [request] in
                let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
                guard response.status == .ok else {
                    return .failure(ScrapeFailure("HTTP \(response.status.code)"))
                }
                let body = try await response.body.collect(upTo: maxBodyBytes)
                let contentType = response.headers.first(name: "Content-Type") ?? ""
                return .success(Success(body: Array(buffer: body), openMetrics: contentType.contains("openmetrics"),
                                        duration: Date().timeIntervalSince(started)))
            }
        } catch is DeadlineExceeded {
            return .failure(ScrapeFailure("timeout after \(Self.seconds(timeout)) (the whole exchange)"))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failure(ScrapeFailure("timeout after \(Self.seconds(timeout))"))
        } catch let error as NIOTooManyBytesError {
            _ = error
            return .failure(ScrapeFailure("body larger than \(maxBodyBytes / 1_048_576) MiB"))
        } catch {
            return .failure(ScrapeFailure(Self.describe(error)))
        }
    }

    static func seconds(_ t: Double) -> String {
        t == t.rounded() ? "\(Int(t)) s" : String(format: "%.1f s", t)
    }

    /// A transport error in a few words, for a reason on screen or in a report.
    public static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        if text.contains("remoteConnectionClosed") { return "connection closed by the target" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "TLS certificate not trusted (set tls.ca_file, or insecure_skip_verify for a lab)"
        }
        if text.contains("handshakeFailed") || text.contains("WRONG_VERSION_NUMBER") { return "TLS handshake failed" }
        let named = text.count < 12 ? "\(type(of: error)).\(text)" : text
        return named.count > 120 ? String(named.prefix(120)) + "…" : named
    }
}

public struct ScrapeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

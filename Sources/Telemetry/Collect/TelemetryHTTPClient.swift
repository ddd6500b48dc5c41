import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// TLS settings for scrapes and query APIs, from the config's `tls:` block.
public struct TLSSettings: Sendable, Equatable {
    /// PEM bundle of the CAs to trust instead of the system's.
    public var caFile: String?
    /// Client certificate and key (PEM) for targets that want mutual TLS.
    public var certFile: String?
    public var keyFile: String?
    /// Skips certificate verification: for a lab, never for production; the sources screen says so.
    public var insecureSkipVerify = false

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile; self.insecureSkipVerify = insecureSkipVerify
    }

    public func configuration() throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        if let ca = caFile { c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
        if let cert = certFile, let key = keyFile {
            c.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            c.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        if insecureSkipVerify { c.certificateVerification = .none }
        return c
    }
}

/// The HTTP client every telemetry source uses. Not `HTTPClient.shared`: that one caps
/// decompression at a ratio a Prometheus answer for a large fleet exceeds (JSON with many
/// similar series compresses far better than 25:1), and it cannot carry TLS settings.
public enum TelemetryHTTPClient {
    /// `followRedirects` is off for actions: a webhook that redirects would deliver the action
    /// somewhere the audit log does not name.
    public static func make(tls: TLSSettings?, maxBodyBytes: Int = 64 << 20, followRedirects: Bool = true) throws -> HTTPClient {
        var config = HTTPClient.Configuration()
        config.decompression = .enabled(limit: .size(maxBodyBytes))
        config.redirectConfiguration = followRedirects ? .follow(max: 3, allowCycles: false) : .disallow
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        if let tls { config.tlsConfiguration = try tls.configuration() }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }
}

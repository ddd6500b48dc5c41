import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore

/// One JSON POST to a webhook, as the http actuator and the alert webhook send theirs: one
/// deadline for the whole exchange (a webhook that stalls mid-answer cannot hold anything in
/// flight), an answer read up to 64 KiB and shown sanitised, a status outside 2xx a failure,
/// and a redirect a failure too (give it a client made with `followRedirects: false`): what was
/// sent must land where the audit log says.
enum WebhookPost {
    static func send(_ body: [UInt8], to url: String, authorization: String?, timeout: Double, client: HTTPClient,
                     redirectNote: String) async -> Result<String, ActionError> {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "fleetdeck")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            return try await withDeadline(seconds: timeout) { [request] () async throws -> Result<String, ActionError> in
                let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
                let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
                let shown = TerminalText.sanitized(String(text.prefix(200))).trimmingCharacters(in: .whitespacesAndNewlines)
                if (300..<400).contains(response.status.code) {
                    let location = TerminalText.sanitized(response.headers.first(name: "Location") ?? "elsewhere")
                    return .failure(ActionError("HTTP \(response.status.code): the webhook redirects to \(location); \(redirectNote) (the audit log names \(url) only)"))
                }
                guard (200..<300).contains(response.status.code) else {
                    return .failure(ActionError("HTTP \(response.status.code)" + (shown.isEmpty ? "" : ": \(shown)")))
                }
                return .success("HTTP \(response.status.code)" + (shown.isEmpty ? "" : ": \(shown)"))
            }
        } catch is DeadlineExceeded {
            return .failure(ActionError("timed out after \(Format.duration(timeout))"))
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout {
            return .failure(ActionError("timed out after \(Format.duration(timeout))"))
        } catch {
            return .failure(ActionError("\(error)"))
        }
    }
}

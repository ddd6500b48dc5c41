import ArgumentParser
import FleetCore
import Foundation
import Telemetry

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a metrics payload (file or URL) and show what the console would read from it.",
        discussion: """
            Like `promtool check metrics`, for fleetdeck's concepts: prints the format and the serving stack \
            detected, the family and series counts, the console's concepts with their values (running, waiting, \
            KV-cache use, token counters, latency quantiles, GPUs) and every problem with its line number. \
            Exit status 1 when there are problems, 2 when the payload cannot be read. `-` reads standard input.
            """)

    @Argument(help: "A file, `-` for standard input, or an http(s):// URL to scrape once.")
    var input: String

    @Option(name: .long, help: "auto, prometheus, openmetrics, redis or ndjson.")
    var format: MetricsCheck.Format = .auto

    @Option(name: .long, help: "Timeout for a URL, in seconds (0.05 to 600): the whole exchange, body included.")
    var timeout: Double = 5

    func validate() throws {
        guard (0.05...600).contains(timeout) else { throw ValidationError("--timeout must be between 0.05 and 600 seconds") }
    }

    func run() throws {
        var contentType: String?
        let bytes: [UInt8]
        if input.hasPrefix("http://") || input.hasPrefix("https://") {
            let client = try TelemetryHTTPClient.make(tls: nil)
            defer { try? client.syncShutdown() }
            let (url, timeout) = (input, timeout)
            let result = waitFor { await MetricsScraper(client: client, timeout: timeout).scrape(url) }
            switch result {
            case .success(let s):
                bytes = s.body
                contentType = s.openMetrics ? "application/openmetrics-text" : nil
            case .failure(let f):
                throw UserError("cannot scrape \(WatchConfig.redacted(input)): \(f.reason)")
            }
        } else if input == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: input) else { throw UserError("cannot read \(input)") }
            bytes = Array(data)
        }
        let report = MetricsCheck.check(bytes, source: input == "-" ? "stdin" : WatchConfig.redacted(input),
                                        format: format, contentType: contentType)
        print(report.text, terminator: "")
        if report.hasErrors { throw ExitCode(1) }
    }
}

extension MetricsCheck.Format: ExpressibleByArgument {}

/// Runs async work to completion from a synchronous command (the CLI's entry is synchronous).
func waitFor<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task.detached {
        box.value = await work()
        done.signal()
    }
    done.wait()
    return box.value!
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var value: T?   // written once before the semaphore is signalled, read after
}

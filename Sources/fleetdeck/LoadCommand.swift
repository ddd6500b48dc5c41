import ArgumentParser
import FleetCore
import Foundation
import LoadGenerator
import Telemetry

struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Send an open-loop Poisson load of streamed completions to serving engines and time them.",
        discussion: """
            Requests arrive at --rate per second (Poisson, seeded) whether or not the ones before them
            have been answered, as real users do; they go to the URLs in turn. Each one is a streamed
            completion (OpenAI's /v1/completions, which vLLM, SGLang, TGI and llama.cpp's server all
            serve; a URL with no path gets that one) with a prompt of about --prompt-tokens words and
            --max-tokens to generate (ignore_eos on, so every answer has that length). The client times
            each request from its send to the first text (TTFT) and to the end of the stream.

              fleetdeck load http://127.0.0.1:8080 --rate 2 --duration 60s
              fleetdeck load http://a:8000 http://b:8000 --rate 20 --duration 10m --json --requests out.ndjson

            At most --max-in-flight requests wait for an answer; an arrival beyond that is dropped and
            counted as dropped at the client, never silently slowed. Prints percentiles of TTFT, end to
            end and time per output token, and the failures by reason; --requests writes one JSON line
            per request (send time on the wall clock, result, ttft_s, e2e_s, output_tokens). Exit status
            1 when no request succeeded.
            """)

    @Argument(help: "Engine URLs (http://host:port, or a full completions URL).")
    var urls: [String]

    @Option(name: .long, help: "Requests per second, on average (0.01 to 1000).")
    var rate: Double = 1

    @Option(name: .long, help: "How long to send (90s, 10m, or seconds).", transform: TimeSpan.parser("--duration"))
    var duration = TimeSpan(seconds: 60)

    @Option(name: .long, help: "Words in each prompt (about one token each), 1 to 32768.")
    var promptTokens = 32

    @Option(name: .long, help: "Tokens to generate per request, 1 to 32768.")
    var maxTokens = 32

    @Option(name: .long, help: "The model field of each request (vLLM wants the served model's name; llama.cpp ignores it).")
    var model: String?

    @Flag(name: .long, help: "Let the model stop at its end-of-sequence token instead of generating --max-tokens.")
    var stopAtEOS = false

    @Option(name: .long, help: "Requests waiting for an answer at most, 1 to 10000.")
    var maxInFlight = 64

    @Option(name: .long, help: "Seconds one request may take, streamed answer included (0.1 to 3600).")
    var timeout: Double = 60

    @Option(name: .long, help: "Seed of the arrivals and prompts.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Write one JSON line per request to this file.")
    var requests: String?

    @Flag(name: .long, help: "Print the figures as JSON.")
    var json = false

    func validate() throws {
        guard !urls.isEmpty else { throw ValidationError("give at least one engine URL") }
        for u in urls where !(u.hasPrefix("http://") || u.hasPrefix("https://")) || URLComponents(string: u)?.host == nil {
            throw ValidationError("'\(TerminalText.sanitized(u))' is not an http(s) URL")
        }
        guard (0.01...1000).contains(rate) else { throw ValidationError("--rate must be between 0.01 and 1000") }
        guard (1...32768).contains(promptTokens), (1...32768).contains(maxTokens) else {
            throw ValidationError("--prompt-tokens and --max-tokens must be between 1 and 32768")
        }
        guard (1...10_000).contains(maxInFlight) else { throw ValidationError("--max-in-flight must be between 1 and 10000") }
        guard (0.1...3600).contains(timeout) else { throw ValidationError("--timeout must be between 0.1 and 3600 seconds") }
    }

    func run() throws {
        let plan = LoadPlan(endpoints: urls.map(LoadPlan.endpoint), rate: rate, duration: duration.seconds, seed: seed,
                            promptTokens: promptTokens, maxTokens: maxTokens, model: model, ignoreEOS: !stopAtEOS,
                            maxInFlight: maxInFlight, timeout: timeout)
        let client = try TelemetryHTTPClient.make(tls: nil)
        defer { try? client.syncShutdown() }
        let run = waitFor { await LoadRun.run(plan, client: client) }
        if let requests {
            let lines = run.outcomes.map { $0.jsonLine + "\n" }.joined()
            guard FileManager.default.createFile(atPath: requests, contents: Data(lines.utf8)) else {
                throw UserError("cannot write \(requests)")
            }
        }
        print(json ? run.report.json : run.report.text, terminator: json ? "\n" : "")
        if run.report.ok == 0 { throw ExitCode(1) }
    }
}

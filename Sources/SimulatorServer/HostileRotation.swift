import Foundation

/// `simulate --serve --hostile F`: a fraction of the served nodes misbehave the way broken
/// exporters, proxies and attackers do, a different set each period, so a console watching the
/// fleet meets every kind of fault on every target over time (the soak benchmark, and anyone
/// checking their own monitoring). Which node misbehaves, and how, is a pure function of its
/// index and the time: two servers with the same settings misbehave alike.
public struct HostileRotation: Sendable, Equatable {
    public enum Misbehaviour: String, CaseIterable, Sendable {
        /// Headers at once, then the body a byte every 200 ms.
        case trickle
        /// Takes the connection and never answers.
        case silence
        /// Closes the connection as soon as the request is read.
        case reset
        /// 14 MiB of lines that are not the exposition format.
        case flood
        /// One sample with 100,000 distinct labels.
        case labelBomb
        /// NaN and infinite gauges, 1e308 counters, a histogram `_count` of 2^63.
        case absurdNumbers
        /// Terminal escape sequences and control characters in label values and help text.
        case escapes
        /// A redirect to another origin.
        case redirect
    }

    /// Share of the nodes misbehaving at any moment (0...1).
    public let fraction: Double
    /// Seconds a node keeps its role before the set rotates.
    public let period: Double

    public init(fraction: Double, period: Double = 60) {
        self.fraction = min(1, max(0, fraction))
        self.period = max(1, period)
    }

    /// What the node at `index` (in the fleet's order) does at `time` seconds since the server
    /// started, or nil when it behaves.
    public func misbehaviour(ofNodeAt index: Int, at time: Double) -> Misbehaviour? {
        guard fraction > 0, time.isFinite, time >= 0 else { return nil }
        let round = UInt64(time / period)
        // SplitMix64's finaliser of (node, round): an even spread over nodes and over rounds.
        var z = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 &+ round &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        guard Double(z >> 11) / Double(1 << 53) < fraction else { return nil }
        let kinds = Misbehaviour.allCases
        return kinds[Int((z & 0xFFFF) % UInt64(kinds.count))]
    }
}

/// The bodies hostile nodes send. Built once: the large ones are megabytes.
public enum HostilePayloads {
    public static let flood: String = {
        let line = "this is not the exposition format {{{ \"\\ 🙂 \n"
        return String(repeating: line, count: 14 * 1_048_576 / line.utf8.count)
    }()

    public static let labelBomb: String = {
        var s = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{"
        s.reserveCapacity(1_600_000)
        for i in 0..<100_000 { s += "l\(i)=\"v\","  }
        s += "model_name=\"m\"} 1\n"
        return s
    }()

    public static let absurdNumbers = """
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running NaN
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting +Inf
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc -1e308
        # TYPE vllm:generation_tokens_total counter
        vllm:generation_tokens_total 1e308
        # TYPE vllm:prompt_tokens_total counter
        vllm:prompt_tokens_total -5
        # TYPE vllm:e2e_request_latency_seconds histogram
        vllm:e2e_request_latency_seconds_bucket{le="1"} 9223372036854775808
        vllm:e2e_request_latency_seconds_bucket{le="+Inf"} NaN
        vllm:e2e_request_latency_seconds_count 9223372036854775808
        vllm:e2e_request_latency_seconds_sum 1e306

        """

    public static let escapes = """
        # HELP vllm:num_requests_running \u{1b}[2J\u{1b}]0;pwned\u{07} running
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="\u{1b}[31mred\u{1b}[0m\\n\u{08}\u{08}\u{9b}31m"} 3
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{model_name="\u{202e}desrever\u{0}"} 1

        """
}

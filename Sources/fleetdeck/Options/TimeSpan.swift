import ArgumentParser
import FleetCore

/// A span of time as the command line writes it: "1h", "30m", "90s", "2d" or plain seconds;
/// positive, at most 30 days. Parsed once, where the option is read.
struct TimeSpan: Equatable, CustomStringConvertible {
    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    /// For `@Option(transform:)`: the error names the option, and says what it wants.
    static func parser(_ option: String) -> @Sendable (String) throws -> TimeSpan {
        { text in
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
            var number = Substring(text)
            var scale = 1.0
            if let last = text.last, let u = units[last] { number = text.dropLast(); scale = u }
            guard let v = Double(number), v.isFinite, v > 0, v * scale <= 30 * 86_400 else {
                throw ValidationError("\(option) wants a positive time up to 30 days: 1h, 30m, 90s or seconds (got '\(TerminalText.sanitized(text))')")
            }
            return TimeSpan(seconds: v * scale)
        }
    }

    var description: String { Format.duration(seconds) }
}

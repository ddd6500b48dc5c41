import Foundation

/// The console's number formats, in one place so every screen says "2.4s" the same way.
public enum Format {
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let s = Int(max(-1e12, min(1e12, seconds)).rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(pad2(s % 60))s" }
        return "\(s / 3600)h\(pad2((s % 3600) / 60))m"
    }

    /// Latency: "850ms", "2.40s", "1m05s"; "-" when there is no value.
    public static func latency(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "-" }
        if s < 0.001 { return "<1ms" }
        if s < 1 { return "\(Int((s * 1000).rounded()))ms" }
        if s < 10 { return String(format: "%.2fs", s) }
        if s < 60 { return String(format: "%.1fs", s) }
        return duration(s)
    }

    /// Counts and rates with k/M suffixes: "950", "12.3k", "4.1M".
    public static func compact(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if a >= 1e4 { return String(format: "%.0fk", v / 1e3) }
        if a >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        if a >= 100 || v == v.rounded() { return String(format: "%.0f", v) }
        return String(format: "%.1f", v)
    }

    public static func percent(_ fraction: Double?) -> String {
        guard let f = fraction, f.isFinite, abs(f) < 1e12 else { return "-" }
        return String(format: "%.0f%%", f * 100)
    }

    public static func dollars(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "-" }
        if abs(v) >= 10_000 { return String(format: "$%.1fk", v / 1000) }
        if abs(v) >= 100 { return String(format: "$%.0f", v) }
        return String(format: "$%.2f", v)
    }

    /// A change in money: "+$41.00", "-$3.50", or "0" under half a cent.
    public static func dollarDelta(_ v: Double) -> String {
        abs(v) < 0.005 ? "0" : (v > 0 ? "+" : "-") + dollars(abs(v))
    }

    /// "09:41:05" from seconds after midnight.
    /// Any finite number of seconds, folded into one day (a damaged recording's times may be
    /// anything); not a number reads as midnight.
    public static func clock(_ secondsOfDay: Double) -> String {
        let folded = secondsOfDay.isFinite ? fmod(fmod(secondsOfDay.rounded(.down), 86_400) + 86_400, 86_400) : 0
        let s = Int(folded)
        return "\(pad2(s / 3600)):\(pad2((s % 3600) / 60)):\(pad2(s % 60))"
    }

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

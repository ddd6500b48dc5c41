import FleetCore

/// Colour decisions shared by the screens.
enum ScreenStyle {
    static func role(for state: NodeState) -> StyleRole {
        switch state {
        case .up: return .ok
        case .degraded: return .warn
        case .draining: return .accent
        case .down: return .crit
        case .stale: return .dim
        }
    }

    /// Utilisation-like fractions: calm, then warm above 85%, alarming above 95%.
    static func role(forLoad f: Double) -> StyleRole {
        f >= 0.95 ? .crit : f >= 0.85 ? .warn : .normal
    }

    /// A table panel's title: "Pools (3)", or "Pools (2 of 3)" when its filter hides some; with
    /// `bare`, only the name until the filter hides some.
    static func countTitle(_ name: String, _ shown: Int, of all: Int, bare: Bool = false) -> String {
        shown == all ? (bare ? name : "\(name) (\(all))") : "\(name) (\(shown) of \(all))"
    }

    static func pct(_ f: Double) -> String {
        guard f.isFinite else { return "-" }
        return "\(Int((max(-1e6, min(1e6, f)) * 100).rounded()))"
    }
}

import Foundation

/// Where fleetdeck keeps what it writes for itself between runs (the audit log, exports, the
/// remembered views): `$XDG_STATE_HOME/fleetdeck`, else `~/.local/state/fleetdeck`.
public enum StateDirectory {
    public static var path: String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/state")
        return base + "/fleetdeck"
    }
}

import FleetCore

/// The newest events that fit, oldest at the top, each with its time and severity colour.
public enum EventLog {
    public static func role(for severity: FleetEvent.Severity) -> StyleRole {
        switch severity {
        case .info: return .normal
        case .warning: return .warn
        case .critical: return .crit
        }
    }

    /// Draws events ending `scrollBack` events before the newest.
    public static func draw(_ canvas: inout Canvas, _ events: [FleetEvent], in rect: Rect,
                            startTimeOfDay: Double, scrollBack: Int = 0, glyphs: Glyphs = .unicode) {
        guard rect.height > 0, rect.width > 10 else { return }
        let end = max(0, events.count - max(0, scrollBack))
        let shown = events[..<end].suffix(rect.height)
        for (k, e) in shown.enumerated() {
            let y = rect.y + k
            let stamp = Format.clock(startTimeOfDay + e.time)
            canvas.put(stamp, x: rect.x, y: y, role: .dim, maxWidth: rect.width)
            let mark = e.severity == .critical ? "!!" : e.severity == .warning ? "! " : "  "
            canvas.put(mark, x: rect.x + 9, y: y, role: role(for: e.severity), maxWidth: rect.width - 9)
            canvas.put(TerminalText.truncated(e.message, to: rect.width - 12, ellipsis: glyphs.ellipsis), x: rect.x + 12, y: y,
                       role: role(for: e.severity), maxWidth: rect.width - 12)
        }
    }
}

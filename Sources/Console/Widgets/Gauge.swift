import FleetCore

/// A horizontal bar for a fraction, with eighth-cell resolution where the glyphs have it.
public enum Gauge {
    public static func bar(_ fraction: Double?, width: Int, glyphs: Glyphs) -> (filled: String, empty: String) {
        guard width > 0 else { return ("", "") }
        let f = max(0, min(1, fraction ?? 0))
        let eighths = Int((f * Double(width * 8)).rounded())
        var filled = String(repeating: glyphs.barFull, count: eighths / 8)
        var cells = eighths / 8
        if eighths % 8 > 0, !glyphs.barEighths.isEmpty {
            filled += glyphs.barEighths[eighths % 8]
            cells += 1
        }
        return (filled, String(repeating: glyphs.barEmpty, count: max(0, width - cells)))
    }

    /// `label [bar] 42%`, the bar taking what the label and value leave.
    public static func draw(_ canvas: inout Canvas, label: String, fraction: Double?, x: Int, y: Int, width: Int,
                            labelWidth: Int, glyphs: Glyphs, role: StyleRole = .bar, suffix: String = "") {
        canvas.put(TerminalText.truncated(label, to: labelWidth, ellipsis: glyphs.ellipsis), x: x, y: y, role: .normal, maxWidth: labelWidth)
        let value = Format.percent(fraction) + suffix
        let valueWidth = max(5, TerminalText.width(value) + 1)
        let barWidth = width - labelWidth - 1 - valueWidth
        if barWidth >= 3 {
            let (filled, empty) = bar(fraction, width: barWidth, glyphs: glyphs)
            let bx = x + labelWidth + 1
            let used = canvas.put(filled, x: bx, y: y, role: fraction == nil ? .dim : role, maxWidth: barWidth)
            canvas.put(empty, x: bx + used, y: y, role: .barEmpty, maxWidth: barWidth - used)
        }
        canvas.putRight(value, right: x + width, y: y, role: fraction == nil ? .dim : .normal, maxWidth: valueWidth,
                        ellipsis: glyphs.ellipsis)
    }
}

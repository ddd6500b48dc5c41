/// A one-row chart of a series, newest on the right.
public enum Sparkline {
    /// The glyphs for the newest `width` values, scaled from `floor` (default 0) to the
    /// larger of the series' maximum and `ceiling`.
    public static func render(_ values: [Double], width: Int, glyphs: Glyphs,
                              floor: Double = 0, ceiling: Double? = nil) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let top = max(shown.max() ?? 0, ceiling ?? 0)
        let span = top - floor
        var out = String(repeating: " ", count: width - shown.count)
        for v in shown {
            if !v.isFinite || span <= 0 { out += glyphs.levels[0]; continue }
            let f = max(0, min(1, (v - floor) / span))
            let i = min(glyphs.levels.count - 1, Int((f * Double(glyphs.levels.count - 1)).rounded()))
            out += glyphs.levels[i]
        }
        return out
    }

    public static func draw(_ canvas: inout Canvas, _ values: [Double], x: Int, y: Int, width: Int,
                            glyphs: Glyphs, role: StyleRole = .graph, ceiling: Double? = nil) {
        canvas.put(render(values, width: width, glyphs: glyphs, ceiling: ceiling), x: x, y: y, role: role, maxWidth: width)
    }

    /// An arrow for the trend: the mean of the newest quarter against the quarter before it.
    public static func trend(_ values: [Double], glyphs: Glyphs, tolerance: Double = 0.05) -> String {
        let n = max(2, values.count / 4)
        guard values.count >= 2 * n else { return glyphs.flat }
        let recent = values.suffix(n).reduce(0, +) / Double(n)
        let before = values.dropLast(n).suffix(n).reduce(0, +) / Double(n)
        let scale = max(abs(before), abs(recent), 1e-9)
        if (recent - before) / scale > tolerance { return glyphs.up }
        if (before - recent) / scale > tolerance { return glyphs.down }
        return glyphs.flat
    }
}

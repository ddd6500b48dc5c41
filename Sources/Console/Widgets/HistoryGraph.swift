import FleetCore

/// A multi-row column chart of a series (newest on the right), with eighth-cell vertical
/// resolution in Unicode and whole cells in ASCII.
public enum HistoryGraph {
    public static func draw(_ canvas: inout Canvas, _ values: [Double], in rect: Rect, glyphs: Glyphs,
                            ceiling: Double? = nil, role: StyleRole = .graph) {
        guard rect.width > 0, rect.height > 0 else { return }
        let shown = Array(values.suffix(rect.width))
        let top = max(shown.max() ?? 0, ceiling ?? 0)
        guard top > 0 else { return }
        let x0 = rect.maxX - shown.count
        let unicode = !glyphs.barEighths.isEmpty
        for (i, v) in shown.enumerated() {
            let f = v.isFinite ? max(0, min(1, v / top)) : 0
            let eighths = Int((f * Double(rect.height * 8)).rounded())
            for row in 0..<rect.height {
                let fromBottom = row * 8
                let level = eighths - fromBottom
                let y = rect.maxY - 1 - row
                if level >= 8 {
                    canvas.put(glyphs.barFull, x: x0 + i, y: y, role: role)
                } else if level > 0 {
                    canvas.put(unicode ? glyphs.levels[level - 1] : (level >= 4 ? glyphs.barFull : "."), x: x0 + i, y: y, role: role)
                }
            }
        }
    }
}

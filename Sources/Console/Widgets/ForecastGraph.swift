import FleetCore

/// A history graph that runs on into a forecast: the past on the left by the sample, a "now"
/// mark, then the forecast's mean as columns and its band above them as shading, all on one
/// scale so the operator reads the trend and its uncertainty together.
public enum ForecastGraph {
    /// Columns of `rect` given to the forecast (the rest is history).
    public static func forecastWidth(_ rect: Rect) -> Int { max(0, min(rect.width / 3, 30)) }

    public static func draw(_ canvas: inout Canvas, history: [Double], forecast: ForecastBand?, in rect: Rect, glyphs: Glyphs,
                            ceiling: Double? = nil, role: StyleRole = .graph) {
        guard rect.width > 2, rect.height > 0 else { return }
        guard let forecast, !forecast.mean.isEmpty, !forecast.upper.isEmpty else {
            HistoryGraph.draw(&canvas, history, in: rect, glyphs: glyphs, ceiling: ceiling, role: role)
            return
        }
        let fw = forecastWidth(rect)
        let points = min(forecast.mean.count, forecast.upper.count)
        let past = Rect(x: rect.x, y: rect.y, width: rect.width - fw - 1, height: rect.height)
        let shown = Array(history.suffix(past.width))
        let top = max(shown.max() ?? 0, forecast.upper.max() ?? 0, ceiling ?? 0)
        HistoryGraph.draw(&canvas, shown, in: past, glyphs: glyphs, ceiling: top, role: role)
        let nowX = past.maxX
        for y in rect.y..<rect.maxY { canvas.put(glyphs == .ascii ? ":" : "┊", x: nowX, y: y, role: .dim) }
        guard top > 0 else { return }
        let cells = Double(rect.height * 8)
        for col in 0..<fw {
            // Each column stands for the forecast points it covers; it shows their mean and widest band.
            let from = min(points - 1, col * points / fw), to = min(points, max(from + 1, (col + 1) * points / fw))
            let mean = forecast.mean[from..<to].reduce(0, +) / Double(to - from)
            let upper = forecast.upper[from..<to].max() ?? mean
            let meanEighths = Int((max(0, min(1, mean / top)) * cells).rounded())
            let upperRows = Int((max(0, min(1, upper / top)) * Double(rect.height)).rounded(.up))
            let x = nowX + 1 + col
            for row in 0..<rect.height {
                let y = rect.maxY - 1 - row
                let level = meanEighths - row * 8
                if level >= 8 {
                    canvas.put(glyphs.barFull, x: x, y: y, role: .accent)
                } else if level > 0 {
                    canvas.put(glyphs.barEighths.isEmpty ? (level >= 4 ? glyphs.barFull : ".") : glyphs.levels[level - 1], x: x, y: y, role: .accent)
                } else if row < upperRows {
                    canvas.put(glyphs == .ascii ? ":" : "░", x: x, y: y, role: .dim)
                }
            }
        }
    }
}

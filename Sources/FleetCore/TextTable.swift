/// Fixed-width rows for command output (the simulation reports, the advice ranking, the audit
/// log): each column is `width` terminal cells including the space that ends it. A cell too
/// wide for its column is cut with an ellipsis, or, where the table spills, left whole, so
/// the rest of the row moves right; a width of 0 takes the cell as it is. Cells are sanitised
/// (they may come from files and labels); trailing spaces are dropped.
public struct TextTable: Sendable {
    public let widths: [Int]
    public let spills: Bool

    public init(widths: [Int], spills: Bool = false) {
        self.widths = widths
        self.spills = spills
    }

    public func row(_ cells: [String]) -> String {
        var out = ""
        for (i, raw) in cells.enumerated() {
            let width = i < widths.count ? widths[i] : 0
            var cell = TerminalText.sanitized(raw)
            if width > 0 && !spills { cell = TerminalText.truncated(cell, to: width - 1) }
            let used = TerminalText.width(cell)
            out += cell + String(repeating: " ", count: max(1, width - used))
        }
        while out.last == " " { out.removeLast() }
        return out
    }
}

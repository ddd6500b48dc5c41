import FleetCore

/// A table with a header row, aligned columns, a selected row and vertical scrolling.
public struct Table {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public var title: String
        /// Fixed width, or nil to share what is left among the flexible columns.
        public var width: Int?
        public var alignment: Alignment
        public var minWidth: Int
        /// When the table is too narrow, columns with the lowest priority go first.
        public var priority: Int

        public init(_ title: String, width: Int? = nil, alignment: Alignment = .left, minWidth: Int = 4, priority: Int = 1) {
            self.title = title; self.width = width; self.alignment = alignment; self.minWidth = minWidth
            self.priority = priority
        }
    }

    public struct TableCell: Sendable {
        public var text: String
        public var role: StyleRole

        public init(_ text: String, _ role: StyleRole = .normal) { self.text = text; self.role = role }
    }

    public var columns: [Column]
    public var rows: [[TableCell]]
    public var selected: Int?
    public var sortColumn: Int?
    public var sortDescending = true
    /// What a click on each row means (a node, a pool), when rows can be clicked.
    public var targets: [ClickTarget]?

    public init(columns: [Column], rows: [[TableCell]], selected: Int? = nil, sortColumn: Int? = nil) {
        self.columns = columns; self.rows = rows; self.selected = selected; self.sortColumn = sortColumn
    }

    /// The first row to show so that `selected` stays visible, moving as little as possible.
    public static func scrollOffset(selected: Int?, previous: Int, visibleRows: Int, rowCount: Int) -> Int {
        guard visibleRows > 0, rowCount > visibleRows else { return 0 }
        var offset = min(max(0, previous), rowCount - visibleRows)
        if let s = selected {
            if s < offset { offset = s }
            if s >= offset + visibleRows { offset = s - visibleRows + 1 }
        }
        return offset
    }

    /// "11-20 of 38" when the rows do not all fit, for the panel's border; nil when they do.
    public static func position(offset: Int, visibleRows: Int, rowCount: Int) -> String? {
        guard visibleRows > 0, rowCount > visibleRows else { return nil }
        return "\(offset + 1)-\(min(rowCount, offset + visibleRows)) of \(rowCount)"
    }

    /// Column widths that fit `width`: fixed columns as given, flexible ones share the rest.
    /// Columns that do not fit get width 0, lowest priority first (rightmost among equals).
    public func layout(width: Int) -> [Int] {
        var shown = Array(repeating: true, count: columns.count)
        func needed() -> Int {
            let visible = columns.indices.filter { shown[$0] }
            return visible.reduce(0) { $0 + (columns[$1].width ?? columns[$1].minWidth) } + max(0, visible.count - 1)
        }
        while needed() > width, shown.filter({ $0 }).count > 1 {
            let victim = columns.indices.filter { shown[$0] }.min { a, b in
                columns[a].priority != columns[b].priority ? columns[a].priority < columns[b].priority : a > b
            }!
            shown[victim] = false
        }
        var widths = columns.indices.map { shown[$0] ? (columns[$0].width ?? columns[$0].minWidth) : 0 }
        let flexible = columns.indices.filter { shown[$0] && columns[$0].width == nil }
        var spare = width - needed()
        if spare > 0, !flexible.isEmpty {
            for (k, i) in flexible.enumerated() {
                let share = spare / (flexible.count - k)
                widths[i] += share
                spare -= share
            }
        }
        if let only = widths.indices.first(where: { widths[$0] > 0 }), needed() > width { widths[only] = width }
        return widths
    }

    /// Draws the header and the visible rows; returns the scroll offset used.
    @discardableResult
    public func draw(_ canvas: inout Canvas, _ rect: Rect, offset previous: Int = 0, glyphs: Glyphs) -> Int {
        guard rect.height >= 1, rect.width >= 1 else { return 0 }
        let widths = layout(width: rect.width)
        var x = rect.x
        for (i, col) in columns.enumerated() where widths[i] > 0 {
            var title = col.title
            if sortColumn == i {
                // The arrow takes the title's last column rather than being cut off itself.
                let arrow = sortDescending ? glyphs.down : glyphs.up
                if TerminalText.width(title) + 1 > widths[i] { title = TerminalText.truncated(title, to: widths[i] - 1, ellipsis: "") }
                title += arrow
            }
            drawCell(&canvas, TableCell(title, .header), x: x, y: rect.y, width: widths[i], alignment: col.alignment, glyphs: glyphs)
            x += widths[i] + 1
        }
        let visible = rect.height - 1
        let offset = Self.scrollOffset(selected: selected, previous: previous, visibleRows: visible, rowCount: rows.count)
        for (k, row) in rows.dropFirst(offset).prefix(visible).enumerated() {
            let y = rect.y + 1 + k
            if let targets, offset + k < targets.count { canvas.mark(Rect(x: rect.x, y: y, width: rect.width, height: 1), targets[offset + k]) }
            let isSelected = selected == offset + k
            if isSelected { canvas.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), role: .selected) }
            var cx = rect.x
            for (i, col) in columns.enumerated() where widths[i] > 0 && i < row.count {
                var cell = row[i]
                if isSelected { cell.role = .selected }
                drawCell(&canvas, cell, x: cx, y: y, width: widths[i], alignment: col.alignment, glyphs: glyphs)
                cx += widths[i] + 1
            }
        }
        return offset
    }

    private func drawCell(_ canvas: inout Canvas, _ cell: TableCell, x: Int, y: Int, width: Int, alignment: Alignment,
                          glyphs: Glyphs) {
        let t = TerminalText.truncated(TerminalText.sanitized(cell.text), to: width, ellipsis: glyphs.ellipsis)
        let w = TerminalText.width(t)
        canvas.put(t, x: alignment == .left ? x : x + width - w, y: y, role: cell.role, maxWidth: width)
    }
}

import FleetCore

/// A bordered box with a title in its top edge; returns the inner area.
public enum Panel {
    @discardableResult
    public static func draw(_ canvas: inout Canvas, _ rect: Rect, title: String, glyphs: Glyphs,
                            titleRole: StyleRole = .title, rightTitle: String? = nil) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let top = rect.y, bottom = rect.maxY - 1, left = rect.x, right = rect.maxX - 1
        for x in (left + 1)..<right {
            canvas.put(glyphs.horizontal, x: x, y: top, role: .border)
            canvas.put(glyphs.horizontal, x: x, y: bottom, role: .border)
        }
        for y in (top + 1)..<bottom {
            canvas.put(glyphs.vertical, x: left, y: y, role: .border)
            canvas.put(glyphs.vertical, x: right, y: y, role: .border)
        }
        canvas.put(glyphs.topLeft, x: left, y: top, role: .border)
        canvas.put(glyphs.topRight, x: right, y: top, role: .border)
        canvas.put(glyphs.bottomLeft, x: left, y: bottom, role: .border)
        canvas.put(glyphs.bottomRight, x: right, y: bottom, role: .border)
        let room = rect.width - 4
        if room > 0, !title.isEmpty {
            let t = " " + TerminalText.truncated(title, to: room - 2, ellipsis: glyphs.ellipsis) + " "
            canvas.put(t, x: left + 1, y: top, role: titleRole, maxWidth: room)
        }
        if let rt = rightTitle { drawRightTitle(&canvas, rect, rt, glyphs: glyphs) }
        return rect.inset(by: 1)
    }

    /// Text in the right of the top edge (a count, a position, a hint); drawable after the
    /// content, once it is known.
    public static func drawRightTitle(_ canvas: inout Canvas, _ rect: Rect, _ text: String, glyphs: Glyphs) {
        let room = rect.width - 4
        guard room > 12 else { return }
        let t = " " + TerminalText.truncated(text, to: room / 2, ellipsis: glyphs.ellipsis) + " "
        canvas.putRight(t, right: rect.maxX - 2, y: rect.y, role: .dim, maxWidth: room / 2 + 2, ellipsis: glyphs.ellipsis)
    }
}

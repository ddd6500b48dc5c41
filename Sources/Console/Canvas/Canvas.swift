import FleetCore

/// What a cell looks like: a semantic role the theme maps to colours and attributes.
public enum StyleRole: String, CaseIterable, Sendable {
    case normal, dim, border, title, header, selected, ok, warn, crit, accent
    case bar, barEmpty, graph, status, statusDim, key, paused
}

public struct Cell: Equatable, Sendable {
    public var scalar: Unicode.Scalar
    public var role: StyleRole

    public static let blank = Cell(scalar: " ", role: .normal)
    /// The right half of a double-width character.
    public static let continuation: Unicode.Scalar = "\u{0}"
}

public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    public func inset(by n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }

    /// Splits off `n` rows from the top; the rest is the second rect.
    public func splitTop(_ n: Int) -> (Rect, Rect) {
        let h = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: h), Rect(x: x, y: y + h, width: width, height: height - h))
    }

    /// Columns in proportion to `weights`, the remainder to the last.
    public func columns(_ weights: [Int]) -> [Rect] {
        let total = max(1, weights.reduce(0, +))
        var out: [Rect] = []
        var cx = x
        for (i, w) in weights.enumerated() {
            let cw = i == weights.count - 1 ? maxX - cx : width * w / total
            out.append(Rect(x: cx, y: y, width: cw, height: height))
            cx += cw
        }
        return out
    }
}

/// An in-memory grid of cells that every widget and screen draws into. Only the terminal
/// backend turns it into ncurses calls, so everything above it is testable as plain text.
/// What a click on part of the screen means: the view says it where it draws the thing.
public enum ClickTarget: Hashable, Sendable {
    case screen(ScreenID)
    case node(String)
    case pool(String)
    /// A key hint in the footer: clicking it is pressing the key.
    case command(ConsoleCommand)
}

public struct ClickRegion: Equatable, Sendable {
    public var rect: Rect
    public var target: ClickTarget
}

extension [ClickRegion] {
    /// What a click at a cell means: the last region drawn there.
    public func target(atX x: Int, y: Int) -> ClickTarget? {
        last { x >= $0.rect.x && x < $0.rect.maxX && y >= $0.rect.y && y < $0.rect.maxY }?.target
    }
}

public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where clicks land, in drawing order: what is drawn later (a dialog) lies on top.
    public private(set) var regions: [ClickRegion] = []

    /// Clicks inside `rect` mean `target`.
    public mutating func mark(_ rect: Rect, _ target: ClickTarget) {
        regions.append(ClickRegion(rect: rect, target: target))
    }

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    public mutating func fill(_ rect: Rect, scalar: Unicode.Scalar = " ", role: StyleRole = .normal) {
        let r = clip(rect)
        guard !r.isEmpty else { return }
        for yy in r.y..<r.maxY {
            for xx in r.x..<r.maxX { self[xx, yy] = Cell(scalar: scalar, role: role) }
        }
    }

    /// Writes `text` at (x, y), sanitised, clipped to `maxWidth` columns and the canvas.
    /// Returns the columns used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: StyleRole = .normal, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = min(width, maxWidth.map { x + max(0, $0) } ?? width)
        var cx = x
        for s in TerminalText.sanitized(text).unicodeScalars {
            let w = TerminalText.width(s)
            if w == 0 { continue }          // combining marks: dropped rather than misplaced
            if cx + w > limit { break }
            if cx >= 0 {
                // Overwriting half of a wide character blanks its other half.
                if self[cx, y].scalar == Cell.continuation, cx > 0 { self[cx - 1, y] = .blank }
                let end = cx + w
                if end < width, self[end, y].scalar == Cell.continuation { self[end, y] = .blank }
                self[cx, y] = Cell(scalar: s, role: role)
                if w == 2 { self[cx + 1, y] = Cell(scalar: Cell.continuation, role: role) }
            }
            cx += w
        }
        return cx - x
    }

    /// Writes `text` right-aligned so it ends at column `right` (exclusive).
    @discardableResult
    public mutating func putRight(_ text: String, right: Int, y: Int, role: StyleRole = .normal, maxWidth: Int,
                                  ellipsis: String = "…") -> Int {
        let t = TerminalText.truncated(TerminalText.sanitized(text), to: maxWidth, ellipsis: ellipsis)
        return put(t, x: right - TerminalText.width(t), y: y, role: role, maxWidth: maxWidth)
    }

    public func clip(_ r: Rect) -> Rect {
        let x0 = max(0, r.x), y0 = max(0, r.y)
        return Rect(x: x0, y: y0, width: min(width, r.maxX) - x0, height: min(height, r.maxY) - y0)
    }

    /// Row `y` as text (continuation cells dropped); trailing spaces kept.
    public func row(_ y: Int) -> String {
        var s = String.UnicodeScalarView()
        for x in 0..<width where self[x, y].scalar != Cell.continuation { s.append(self[x, y].scalar) }
        return String(s)
    }

    /// The whole canvas as text, trailing spaces trimmed from each line.
    public var text: String {
        (0..<height).map { y in
            var line = row(y)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

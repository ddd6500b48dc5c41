import FleetCore

/// A key press, decoded by the terminal backend from whatever the terminal sent.
public enum Key: Hashable, Sendable {
    case char(Character)
    /// Ctrl with a letter, `a` to `z` (lowercase).
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case resize
    /// A click, a double click or a turn of the wheel at a cell (with mouse reporting on).
    case mouse(MouseEvent)
}

public struct MouseEvent: Hashable, Sendable {
    public enum Action: Hashable, Sendable {
        case click, doubleClick, wheelUp, wheelDown
    }

    public var x: Int
    public var y: Int
    public var action: Action

    public init(x: Int, y: Int, _ action: Action) { self.x = x; self.y = y; self.action = action }
}

/// Keys by name, as the config's `keys:` section writes them and the help and footer show them.
extension Key {
    private static let named: [(name: String, key: Key)] = [
        ("enter", .enter), ("esc", .escape), ("tab", .tab), ("shift-tab", .backTab), ("backspace", .backspace),
        ("space", .char(" ")), ("up", .up), ("down", .down), ("left", .left), ("right", .right),
        ("pgup", .pageUp), ("pgdn", .pageDown), ("home", .home), ("end", .end),
    ]

    /// Ctrl letters the terminal uses for itself: ^C interrupts, ^Z suspends; ^H, ^I, ^J, ^M
    /// arrive as Backspace, Tab and Enter. (^S and ^Q reach the console: it turns the
    /// terminal's flow control off while it runs.)
    static let reservedControlLetters: Set<Character> = ["c", "h", "i", "j", "m", "z"]

    /// `+`, `G`, `enter`, `esc`, `tab`, `shift-tab`, `backspace`, `space`, `up`, `down`, `left`,
    /// `right`, `pgup`, `pgdn`, `home`, `end`, `ctrl-a` ... `ctrl-z`. Throws with what is wrong.
    public init(name: String) throws(KeymapError) {
        let lower = name.lowercased()
        if let k = Self.named.first(where: { $0.name == lower }) { self = k.key; return }
        if lower.hasPrefix("ctrl-"), lower.count == 6, let c = lower.last, c.isASCII, c.isLetter {
            guard !Self.reservedControlLetters.contains(c) else {
                throw KeymapError("'\(name)' is taken by the terminal (interrupt, flow control, or Tab/Enter/Backspace)")
            }
            self = .ctrl(c)
            return
        }
        if name.count == 1, let c = name.first, c != " ",
           c.unicodeScalars.allSatisfy({ !TerminalText.isUnsafe($0) && $0.properties.generalCategory != .spaceSeparator }) {
            self = .char(c)
            return
        }
        throw KeymapError("unknown key '\(TerminalText.sanitized(name))' (a single character, ctrl-LETTER, or one of: \(Self.named.map(\.name).joined(separator: ", ")))")
    }

    /// How the footer and the help write the key.
    public func label(_ glyphs: Glyphs) -> String {
        let ascii = glyphs == .ascii
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "Ctrl-" + c.uppercased()
        case .up: return ascii ? "Up" : "↑"
        case .down: return ascii ? "Down" : "↓"
        case .left: return ascii ? "Left" : "←"
        case .right: return ascii ? "Right" : "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .resize: return "resize"
        case .mouse: return "mouse"
        }
    }
}

/// A bad key name or binding, said the way the config error shows it.
public struct KeymapError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

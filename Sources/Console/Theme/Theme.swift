import FleetCore

/// A colour as themes write it: the terminal's default, or 24-bit RGB.
public enum ThemeColor: Equatable, Sendable {
    case terminalDefault
    case rgb(UInt8, UInt8, UInt8)

    /// Parses "default" or "#rrggbb".
    public init?(_ text: String) {
        if text == "default" { self = .terminalDefault; return }
        guard text.count == 7, text.first == "#", let v = UInt32(text.dropFirst(), radix: 16) else { return nil }
        self = .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
    }
}

/// How one role looks.
public struct RoleStyle: Equatable, Sendable {
    public var foreground: ThemeColor = .terminalDefault
    public var background: ThemeColor = .terminalDefault
    public var bold = false
    public var dim = false
    public var reverse = false
    public var underline = false

    public init(foreground: ThemeColor = .terminalDefault, background: ThemeColor = .terminalDefault,
                bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.foreground = foreground; self.background = background
        self.bold = bold; self.dim = dim; self.reverse = reverse; self.underline = underline
    }
}

public struct Theme: Equatable, Sendable {
    public var name: String
    public var description: String
    public var styles: [StyleRole: RoleStyle]

    public init(name: String, description: String, styles: [StyleRole: RoleStyle]) {
        self.name = name; self.description = description; self.styles = styles
    }

    public func style(_ role: StyleRole) -> RoleStyle { styles[role] ?? styles[.normal] ?? RoleStyle() }
}

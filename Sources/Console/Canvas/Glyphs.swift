/// The characters widgets draw with. `unicode` uses box drawing, block elements and eighths;
/// `ascii` stays within 7-bit ASCII for terminals and fonts that lack them (`--ascii`).
public struct Glyphs: Sendable, Equatable {
    public var horizontal: String
    public var vertical: String
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String
    /// Sparkline levels, lowest first.
    public var levels: [String]
    public var barFull: String
    /// Partial bar cells in eighths (index 1...7); empty for ASCII.
    public var barEighths: [String]
    public var barEmpty: String
    public var ellipsis: String
    public var up: String
    public var down: String
    public var flat: String
    /// Before a node marked with Space; also the recording badge's dot.
    public var mark: String
    /// Before a firing alert (the header, the replay timeline).
    public var alert: String

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "╭", topRight: "╮", bottomLeft: "╰", bottomRight: "╯",
        levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        barFull: "█", barEighths: ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"], barEmpty: "·",
        ellipsis: "…", up: "↑", down: "↓", flat: "→", mark: "●", alert: "▲")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        levels: ["_", ".", ",", "-", "~", "=", "*", "#"],
        barFull: "#", barEighths: [], barEmpty: ".",
        ellipsis: "~", up: "^", down: "v", flat: "=", mark: "*", alert: "^")
}

/// A key press, decoded by the terminal backend from whatever the terminal sent.
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case resize
}

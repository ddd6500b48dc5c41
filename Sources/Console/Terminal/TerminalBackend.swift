/// What the console needs from a terminal. `NcursesTerminal` is the real one; the render loop
/// is written against this so it can be driven headless.
public protocol TerminalBackend: AnyObject {
    var size: (width: Int, height: Int) { get }
    /// Shows `canvas`, writing only what changed since the last frame.
    func present(_ canvas: Canvas)
    /// The next key, or nil after `timeout` milliseconds without one.
    func readKey(timeoutMilliseconds: Int32) -> Key?
    /// True once SIGINT, SIGTERM or SIGHUP arrived.
    var stopRequested: Bool { get }
    /// Draws from now on with `theme`'s colours.
    func apply(_ theme: Theme)
    /// Gives the terminal back as it was. Safe to call more than once.
    func restore()
    /// Rings the terminal's bell (a page fired).
    func bell()
}

extension TerminalBackend {
    /// Terminals without colours of their own (headless ones) ignore themes.
    public func apply(_ theme: Theme) {}
    public func bell() {}
}

import CNcursesw
import FleetCore
import Foundation

/// The only code in fleetdeck that talks to ncurses. It owns the window `initscr()` returns,
/// maps theme roles to colour pairs for the colours the terminal really has, and redraws only
/// the rows that changed (`wnoutrefresh` + `doupdate`: no flicker).
public final class NcursesTerminal: TerminalBackend {
    public enum ColorDepth: String, Sendable { case direct = "truecolor", palette256 = "256", ansi8 = "8", none = "none" }

    private let window: UnsafeMutablePointer<WINDOW>
    private var previous: Canvas?
    private var attributes: [StyleRole: (attr: attr_t, pair: Int32)] = [:]
    private var restored = false
    private var cursorBefore: Int32 = 1
    private var defaultColors = true
    public let colorDepth: ColorDepth
    /// False when the locale is not UTF-8: box and block characters would not survive.
    public let supportsUnicode: Bool

    public init(theme: Theme, mouse: Bool = true) throws {
        setlocale(LC_ALL, "")
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            throw TerminalError.notATerminal
        }
        // initscr() exits the process on an unknown TERM; ask terminfo first.
        var setupError: Int32 = 0
        guard setupterm(nil, STDOUT_FILENO, &setupError) == OK else {
            let term = ProcessInfo.processInfo.environment["TERM"] ?? "(unset)"
            throw TerminalError.unknownTerminal(TerminalText.sanitized(term))
        }
        supportsUnicode = String(cString: nl_langinfo(nl_item(CODESET))) == "UTF-8"
        fd_save_terminal_modes()
        guard let w = initscr() else { throw TerminalError.cannotInitialise }
        window = w
        fd_install_signal_handlers()
        cbreak()
        fd_disable_flow_control()
        def_prog_mode()
        noecho()
        nonl()
        keypad(window, true)
        if mouse { fd_enable_mouse() }
        cursorBefore = curs_set(0)
        set_escdelay(25)
        if has_colors() {
            start_color()
            defaultColors = use_default_colors() == OK
            let colors = fd_colors()
            colorDepth = colors >= 0x100_0000 ? .direct : colors >= 256 ? .palette256 : colors >= 8 ? .ansi8 : .none
        } else {
            colorDepth = .none
        }
        setUpStyles(theme)
        werase(window)
    }

    deinit { restore() }

    public var size: (width: Int, height: Int) {
        (Int(getmaxx(window)), Int(getmaxy(window)))
    }

    public var stopRequested: Bool { fd_stop_requested() != 0 }

    private func colorNumber(_ c: ThemeColor, isBackground: Bool) -> Int32 {
        // Without default-colour support, "the terminal's colour" has to be named.
        guard case let .rgb(r, g, b) = c else { return defaultColors ? -1 : (isBackground ? 0 : 7) }
        switch colorDepth {
        case .direct: return Int32(r) << 16 | Int32(g) << 8 | Int32(b)
        case .palette256: return Int32(ColorQuantizer.xterm256(r, g, b))
        case .ansi8: return Int32(ColorQuantizer.ansi8(r, g, b))
        case .none: return -1
        }
    }

    private func setUpStyles(_ theme: Theme) {
        var pair: Int32 = 1
        for role in StyleRole.allCases {
            let style = theme.style(role)
            var attr = fd_attr_normal()
            if style.bold { attr |= fd_attr_bold() }
            if style.dim { attr |= fd_attr_dim() }
            if style.reverse { attr |= fd_attr_reverse() }
            if style.underline { attr |= fd_attr_underline() }
            var p: Int32 = 0
            if colorDepth != .none, pair < fd_color_pairs() {
                let fg = colorNumber(style.foreground, isBackground: false)
                let bg = colorNumber(style.background, isBackground: true)
                if (fg != -1 || bg != -1), init_extended_pair(pair, fg, bg) == OK {
                    p = pair
                    pair += 1
                }
            }
            attributes[role] = (attr, p)
        }
    }

    public func apply(_ theme: Theme) {
        setUpStyles(theme)
        previous = nil   // every cell again, in the new colours
    }

    public func present(_ canvas: Canvas) {
        let full = previous.map { $0.width != canvas.width || $0.height != canvas.height } ?? true
        if full { werase(window) }
        var buffer: [wchar_t] = []
        buffer.reserveCapacity(canvas.width)
        for y in 0..<canvas.height {
            if !full, let prev = previous, rowEqual(prev, canvas, y) { continue }
            var x = 0
            while x < canvas.width {
                // The right half of a wide character was drawn with its left half.
                if canvas[x, y].scalar == Cell.continuation { x += 1; continue }
                let role = canvas[x, y].role
                let start = x
                buffer.removeAll(keepingCapacity: true)
                // A run of ASCII cells goes out in one call. Anything wider is placed cell by
                // cell, so a width ncurses judges differently cannot shift the rest of the row.
                while x < canvas.width, canvas[x, y].role == role {
                    let s = canvas[x, y].scalar
                    if s.value >= 0x80 && !buffer.isEmpty { break }
                    if s != Cell.continuation { buffer.append(wchar_t(bitPattern: s.value)) }
                    x += 1
                    if s.value >= 0x80 { break }
                }
                let (attr, pair) = attributes[role] ?? (fd_attr_normal(), 0)
                _ = fd_set_attr(window, attr, pair)
                wmove(window, Int32(y), Int32(start))
                // The bottom-right cell makes waddnwstr report ERR (the cursor cannot advance);
                // the character is drawn all the same.
                if !buffer.isEmpty { _ = waddnwstr(window, buffer, Int32(buffer.count)) }
            }
        }
        wnoutrefresh(window)
        doupdate()
        previous = canvas
    }

    private func rowEqual(_ a: Canvas, _ b: Canvas, _ y: Int) -> Bool {
        let start = y * a.width
        return a.cells[start..<(start + a.width)] == b.cells[start..<(start + b.width)]
    }

    public func readKey(timeoutMilliseconds: Int32) -> Key? {
        wtimeout(window, timeoutMilliseconds)
        var ch: wint_t = 0
        let rc = wget_wch(window, &ch)
        if rc == fd_err() { return nil }
        if rc == KEY_CODE_YES {
            switch Int32(ch) {
            case fd_key_resize(): previous = nil; return .resize
            case fd_key_mouse():
                var x: Int32 = 0, y: Int32 = 0
                switch fd_read_mouse(&x, &y) {
                case 1: return .mouse(MouseEvent(x: Int(x), y: Int(y), .click))
                case 2: return .mouse(MouseEvent(x: Int(x), y: Int(y), .doubleClick))
                case 4: return .mouse(MouseEvent(x: Int(x), y: Int(y), .wheelUp))
                case 5: return .mouse(MouseEvent(x: Int(x), y: Int(y), .wheelDown))
                default: return nil
                }
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_BTAB: return .backTab
            default: return nil
            }
        }
        switch ch {
        case 27: return .escape
        case 9: return .tab
        case 10, 13: return .enter
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(ch) + 96)))
        default:
            guard let scalar = Unicode.Scalar(UInt32(ch)), !TerminalText.isUnsafe(scalar) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// The terminal's own bell (or its flash, where it has no sound).
    public func bell() { beep() }

    public func restore() {
        guard !restored else { return }
        restored = true
        curs_set(cursorBefore < 0 ? 1 : cursorBefore)
        endwin()
    }
}

public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal, cannotInitialise
    case unknownTerminal(String)

    public var description: String {
        switch self {
        case .notATerminal: return "the console needs a terminal (stdin and stdout must be a TTY); for scripts use 'fleetdeck snapshot'"
        case .cannotInitialise: return "could not initialise the terminal (is TERM set?)"
        case .unknownTerminal(let t): return "unknown terminal type '\(t)': set TERM to one terminfo knows (xterm-256color, tmux-256color, ...)"
        }
    }
}

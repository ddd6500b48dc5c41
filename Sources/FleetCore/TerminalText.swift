/// Untrusted strings (metric labels, scenario names, recordings) pass through here before they
/// can reach the terminal: control characters and bidirectional overrides would let a label
/// move the cursor, recolour the screen or disguise itself.
public enum TerminalText {
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    public static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true              // C0, DEL, C1
        case 0x202A...0x202E, 0x2066...0x2069: return true      // bidi embeddings and isolates
        case 0x200E, 0x200F, 0x061C: return true                // bidi marks
        default: return false
        }
    }

    /// A typed character that may join a prompt's text: nothing unsafe in it.
    public static func isPrintable(_ c: Character) -> Bool {
        !c.unicodeScalars.contains(where: isUnsafe)
    }

    /// The string with every unsafe scalar replaced; tabs and newlines become spaces.
    public static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s == "\t" || s == "\n" || s == "\r" { out.append(" ") }
            else if isUnsafe(s) { out.append(replacement) }
            else { out.append(s) }
        }
        return String(out)
    }

    /// For text printed as a stream (a model's continuation): newlines and tabs stay, every
    /// other unsafe scalar is replaced.
    public static func sanitizedKeepingNewlines(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            out.append(s == "\n" || s == "\t" || !isUnsafe(s) ? s : replacement)
        }
        return String(out)
    }

    /// Terminal columns a scalar occupies: 0 for combining marks, 2 for East Asian wide and
    /// emoji, 1 otherwise.
    public static func width(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x300 { return 1 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
             0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
             0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F900...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    public static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + width($1) }
    }

    /// At most `columns` columns of `text`, with an ellipsis where it was cut.
    /// Sanitises first, so the widths counted are the widths drawn.
    public static func truncated(_ raw: String, to columns: Int, ellipsis: String = "…") -> String {
        guard columns > 0 else { return "" }
        let text = sanitized(raw)
        if width(text) <= columns { return text }
        let room = columns - width(ellipsis)
        var out = String.UnicodeScalarView()
        var used = 0
        for s in text.unicodeScalars {
            let w = width(s)
            if used + w > room { break }
            out.append(s)
            used += w
        }
        return String(out) + (room >= 0 ? ellipsis : "")
    }
}

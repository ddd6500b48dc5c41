import Foundation

/// A string as a JSON string literal, written by hand where fleetdeck writes JSON line by line
/// (recordings, exports). Every control character is escaped, C1 and the two line separators
/// JavaScript treats as line ends included, so the text is safe in any JSON reader and never
/// carries a raw escape sequence to a terminal that shows it.
public enum JSONString {
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029:
                out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

import FleetCore
import Foundation

/// Reads `Themes/NAME.yaml`. Format:
///
///     name: dark
///     description: text
///     roles:
///       normal: {fg: "#d0d0d0", bg: default}
///       crit:   {fg: "#ff5f5f", bold: true}
///
/// Roles left out look like `normal`; an unknown role or a bad colour is an error naming the
/// file, the line and the field.
public enum ThemeLoader {
    public static func load(file: String) throws -> Theme {
        try parse(YAMLValue.load(contentsOf: file))
    }

    public static func parse(text: String, file: String) throws -> Theme {
        try parse(YAMLValue.parse(text, file: file))
    }

    static func parse(_ doc: YAMLValue) throws -> Theme {
        try doc.allowKeys(["name", "description", "roles"])
        let known = Set(StyleRole.allCases.map(\.rawValue))
        var styles: [StyleRole: RoleStyle] = [:]
        for (key, v) in try doc.required("roles").entries() {
            guard let role = StyleRole(rawValue: key) else {
                throw v.error("unknown role (known: \(known.sorted().joined(separator: ", ")))")
            }
            try v.allowKeys(["fg", "bg", "bold", "dim", "reverse", "underline"])
            var style = RoleStyle()
            if let fg = try v.optional("fg") { style.foreground = try color(fg) }
            if let bg = try v.optional("bg") { style.background = try color(bg) }
            style.bold = try v.optional("bold")?.bool() ?? false
            style.dim = try v.optional("dim")?.bool() ?? false
            style.reverse = try v.optional("reverse")?.bool() ?? false
            style.underline = try v.optional("underline")?.bool() ?? false
            styles[role] = style
        }
        return Theme(name: try doc.required("name").string(),
                     description: try doc.optional("description")?.string() ?? "", styles: styles)
    }

    static func color(_ v: YAMLValue) throws -> ThemeColor {
        let s = try v.string()
        guard let c = ThemeColor(s) else { throw v.error("'\(s)' is not a colour: use \"#rrggbb\" or default") }
        return c
    }
}

import Foundation
import Yams

/// A user file could not be read as intended: names the file, the line and the field, so the
/// operator can fix it without guessing.
public struct ConfigFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String

    public init(file: String, line: Int?, field: String?, message: String) {
        self.file = file; self.line = line; self.field = field; self.message = message
    }

    public var description: String {
        // Field names come from the file itself: as untrusted as the message.
        var s = file
        if let line { s += ":\(line)" }
        if let field, !field.isEmpty { s += ": \(field)" }
        return TerminalText.sanitized(s + ": " + message)
    }
}

/// A YAML node with the file and field path it came from. Readers pull typed values out of it
/// and every failure becomes a `ConfigFileError` at the right line.
public struct YAMLValue {
    public let node: Node
    public let file: String
    public let path: String

    public static func parse(_ text: String, file: String) throws -> YAMLValue {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigFileError(file: file, line: 1, field: nil, message: "the file is empty")
            }
            return YAMLValue(node: node, file: file, path: "")
        } catch let error as ConfigFileError {
            throw error
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        }
    }

    public static func load(contentsOf path: String) throws -> YAMLValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigFileError(file: path, line: nil, field: nil, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigFileError(file: path, line: nil, field: nil, message: "the file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    private static func describe(_ error: YamlError, file: String) -> ConfigFileError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ConfigFileError(file: file, line: mark.line, field: nil, message: "YAML syntax: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigFileError(file: file, line: context.mark.line, field: nil,
                                   message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigFileError(file: file, line: nil, field: nil, message: "YAML: \(error)")
        }
    }

    public var line: Int? { node.mark?.line }

    public func error(_ message: String) -> ConfigFileError {
        ConfigFileError(file: file, line: line, field: path, message: message)
    }

    private func child(_ node: Node, _ component: String) -> YAMLValue {
        YAMLValue(node: node, file: file, path: path.isEmpty ? component : path + component.dottedIfKey)
    }

    // MARK: mappings

    public func mapping() throws -> Node.Mapping {
        guard case let .mapping(m) = node else { throw error("expected a mapping (key: value lines)") }
        return m
    }

    public func optional(_ key: String) throws -> YAMLValue? {
        let m = try mapping()
        guard let v = m[key] else { return nil }
        if case .scalar(let s) = v, s.tag.rawValue == Tag.Name.null.rawValue || (s.string == "" && s.style == .plain) {
            return nil
        }
        return child(v, key)
    }

    public func required(_ key: String) throws -> YAMLValue {
        guard let v = try optional(key) else {
            throw ConfigFileError(file: file, line: line, field: path.isEmpty ? key : path + "." + key,
                                  message: "missing required field")
        }
        return v
    }

    /// Rejects keys outside `allowed`: a misspelt field would otherwise be silently ignored.
    public func allowKeys(_ allowed: Set<String>) throws {
        for (k, v) in try mapping() {
            let name = k.string ?? "?"
            if !allowed.contains(name) {
                throw ConfigFileError(file: file, line: k.mark?.line ?? v.mark?.line,
                                      field: path.isEmpty ? name : path + "." + name,
                                      message: "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    public func entries() throws -> [(key: String, value: YAMLValue)] {
        try mapping().map { (k, v) in
            let key = k.string ?? ""
            return (key, child(v, key))
        }
    }

    // MARK: sequences

    public func array() throws -> [YAMLValue] {
        guard case let .sequence(s) = node else { throw error("expected a list") }
        return s.enumerated().map { i, n in child(n, "[\(i)]") }
    }

    // MARK: scalars

    public func string() throws -> String {
        guard case let .scalar(s) = node else { throw error("expected a text value") }
        return s.string
    }

    public func double() throws -> Double {
        guard case .scalar = node, let d = node.float, d.isFinite else { throw error("expected a number") }
        return d
    }

    public func double(in range: ClosedRange<Double>) throws -> Double {
        let d = try double()
        guard range.contains(d) else { throw error("\(d) is outside \(range.lowerBound)...\(range.upperBound)") }
        return d
    }

    public func int() throws -> Int {
        // YAML 1.1's base-60 integers (1:30:00) are built by Yams with trapping arithmetic, so
        // "1:1:1:1:1:1:1:1:1:1:1" would stop the process; no field here is written that way.
        guard case let .scalar(s) = node, !s.string.contains(":"), let i = node.int else { throw error("expected a whole number") }
        return i
    }

    public func int(in range: ClosedRange<Int>) throws -> Int {
        let i = try int()
        guard range.contains(i) else { throw error("\(i) is outside \(range.lowerBound)...\(range.upperBound)") }
        return i
    }

    public func bool() throws -> Bool {
        guard case .scalar = node, let b = node.bool else { throw error("expected true or false") }
        return b
    }

    public func oneOf(_ choices: [String]) throws -> String {
        let s = try string()
        guard choices.contains(s) else {
            throw error("'\(s)' is not one of: \(choices.joined(separator: ", "))")
        }
        return s
    }
}

private extension String {
    var dottedIfKey: String { hasPrefix("[") ? self : "." + self }
}

extension YAMLValue {
    /// A credential named by the config, never written in it: the trimmed contents of the file
    /// at `file`, or the environment variable `env`; nil when neither key is there.
    public static func secret(file: YAMLValue?, env: YAMLValue?) throws -> String? {
        if let f = file {
            let path = try f.string()
            guard let data = FileManager.default.contents(atPath: path) else { throw f.error("cannot read \(path)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let e = env {
            let name = try e.string()
            guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { throw e.error("$\(name) is not set") }
            return v
        }
        return nil
    }
}

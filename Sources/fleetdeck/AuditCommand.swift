import Actions
import ArgumentParser
import FleetCore
import Foundation

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log of actions taken from the console, as a table.",
        discussion: "Each line of the log is one confirmed action: time, user, host, action, target, parameters, actuator, request, result, duration.")

    @Argument(help: "The audit log (default: $XDG_STATE_HOME/fleetdeck/audit.jsonl).")
    var file: String?

    func run() throws {
        let path = file ?? AuditLog.defaultPath
        let (records, bad) = try { () throws -> ([AuditRecord], [Int]) in
            do { return try AuditLog.read(path) } catch { throw UserError("\(error)") }
        }()
        let clean = TerminalText.sanitized
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let table = TextTable(widths: [21, 11, 9, 21, 25, 11, 9, 8, 0])
        print(table.row(["TIME", "USER", "ACTION", "TARGET", "PARAMETERS", "ACTUATOR", "RESULT", "TOOK", "DETAIL"]))
        for r in records {
            print(table.row([formatter.string(from: Date(timeIntervalSince1970: r.time)), r.user, r.action.rawValue, r.target,
                             r.parametersText, r.actuator, r.result.rawValue, Format.duration(r.duration), r.detail]))
        }
        if records.isEmpty { print("(no actions in \(clean(path)))") }
        for line in bad { FileHandle.standardError.write(Data("fleetdeck: \(clean(path)): line \(line) is not a complete record (skipped)\n".utf8)) }
    }
}

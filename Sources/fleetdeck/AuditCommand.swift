import Actions
import ArgumentParser
import FleetCore
import Foundation

/// `--read-only`, `--dry-run`, `--audit-log` for the commands that can act.
struct ActionOptions: ParsableArguments {
    @Flag(name: .long, help: "Disable every action key (the keys say so).")
    var readOnly = false

    @Flag(name: .long, help: "Show and audit what actions would do, without doing it.")
    var dryRun = false

    @Option(name: .long, help: "The audit log (default: $XDG_STATE_HOME/fleetdeck/audit.jsonl).")
    var auditLog: String?

    @Option(name: .long, help: "Seconds between two actions on the same pool or node.")
    var cooldown: Double = 30

    func makeExecutor(actuator: any Actuator, limits: [String: ClosedRange<Int>] = [:],
                      report: @escaping @Sendable (FleetEvent.Severity, String) -> Void) throws -> ActionExecutor {
        var guards = ActionExecutor.Guards()
        guards.poolLimits = limits
        guards.readOnly = readOnly
        guards.dryRun = dryRun
        guards.cooldown = max(0, cooldown)
        let log: AuditLog
        do { log = try AuditLog(path: auditLog ?? AuditLog.defaultPath) } catch { throw UserError("\(error)") }
        return ActionExecutor(actuator: actuator, audit: log, guards: guards, report: report)
    }
}

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
        print("TIME                 USER       ACTION   TARGET               PARAMETERS               ACTUATOR   RESULT   TOOK    DETAIL")
        for r in records {
            let params = r.parameters.keys.sorted().map { "\($0)=\(r.parameters[$0]!)" }.joined(separator: " ")
            let cells = [formatter.string(from: Date(timeIntervalSince1970: r.time)), clean(r.user), r.action.rawValue, clean(r.target), clean(params),
                         r.actuator, r.result.rawValue, Format.duration(r.duration)]
            let widths = [20, 10, 8, 20, 24, 10, 8, 7]
            let row = zip(cells, widths).map { c, w in TerminalText.truncated(c, to: w).padding(toLength: w, withPad: " ", startingAt: 0) }
            print(row.joined(separator: " ") + " " + clean(r.detail))
        }
        if records.isEmpty { print("(no actions in \(clean(path)))") }
        for line in bad { FileHandle.standardError.write(Data("fleetdeck: \(clean(path)): line \(line) is not a complete record (skipped)\n".utf8)) }
    }
}

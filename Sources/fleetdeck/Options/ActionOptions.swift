import Actions
import ArgumentParser
import FleetCore

/// `--read-only`, `--dry-run`, `--audit-log` for the commands that can act.
struct ActionOptions: ParsableArguments {
    @Flag(name: .long, help: "Turn actions off: their keys leave dispatch, the footer and the help, and the : commands that act (and commands of your own not marked dangerous: false) are refused.")
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

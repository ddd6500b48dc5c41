import ArgumentParser
import Console
import FleetCore
import Foundation

@main
struct Fleetdeck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetdeck",
        abstract: "A terminal operations console for fleets of LLM inference servers.",
        discussion: """
            With no command, runs the console on the embedded bank fleet ('fleetdeck demo --scenario bank').
            Scenarios live in sample-data/scenarios/, themes in Themes/; FLEETDECK_HOME points at
            another folder holding both.
            """,
        version: "0.1.0",
        subcommands: [DemoCommand.self, WatchCommand.self, SimulateCommand.self, CalibrateCommand.self, BacktestCommand.self, PlanCommand.self, AdviseCommand.self, CheckCommand.self, LoadCommand.self, RecordCommand.self, ReplayCommand.self, AuditCommand.self, SnapshotCommand.self, InferCommand.self, BenchCommand.self],
        defaultSubcommand: DemoCommand.self)

    /// User errors get one line and exit status 2; no stack traces.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as UserError {
            FileHandle.standardError.write(Data("fleetdeck: error: \(error.description)\n".utf8))
            Foundation.exit(2)
        } catch let error as ConfigFileError {
            FileHandle.standardError.write(Data("fleetdeck: error: \(error.description)\n".utf8))
            Foundation.exit(2)
        } catch let error as TerminalError {
            FileHandle.standardError.write(Data("fleetdeck: error: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = TerminalText.sanitized(description) }
}

import ArgumentParser
import Console
import FleetCore
import Foundation

/// Prints a snapshot for scripts, as `snapshot` and `replay --at` do.
enum SnapshotPrinter {
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    static func printJSON(_ snapshot: FleetSnapshot) throws {
        print(try JSONText.encode(snapshot))
    }

    /// The rendered screen as plain text, no colour codes.
    static func printScreen(_ snapshot: FleetSnapshot, screen: String, width: Int, height: Int, ascii: Bool) throws {
        guard let id = ScreenID.allCases.first(where: { $0.title.lowercased() == screen.lowercased() }) else {
            let valid = ScreenID.allCases.map { $0.title.lowercased() }.joined(separator: ", ")
            throw UserError("unknown screen '\(screen)' (valid: \(valid))")
        }
        var state = ConsoleState()
        state.screen = id
        print(ScreenRenderer.render(snapshot: snapshot, state: state, width: width, height: height, glyphs: ascii ? .ascii : .unicode).canvas.text)
    }
}

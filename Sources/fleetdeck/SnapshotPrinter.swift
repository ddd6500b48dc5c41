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
    static func printScreen(_ snapshot: FleetSnapshot, screen: ScreenID, width: Int, height: Int, ascii: Bool) {
        var state = ConsoleState()
        state.screen = screen
        print(ScreenRenderer.render(snapshot: snapshot, state: state, width: width, height: height, glyphs: ascii ? .ascii : .unicode).canvas.text)
    }
}

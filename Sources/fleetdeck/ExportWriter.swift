import Console
import FleetCore
import Foundation

/// Where `Ctrl-S` and `:export` put a table: the path typed (`.json` for JSON, CSV otherwise),
/// or a new file `NAME-YYYYmmdd-HHMMSS.csv` in `$XDG_STATE_HOME/fleetdeck/exports/`.
enum ExportWriter {
    static var directory: String { StateDirectory.path + "/exports" }

    static func write(_ table: ExportTable, to path: String?) throws -> String {
        let target: String
        if let path {
            target = (path as NSString).expandingTildeInPath
        } else {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let stamp = DateFormatter()
            stamp.dateFormat = "yyyyMMdd-HHmmss"
            stamp.locale = Locale(identifier: "en_US_POSIX")
            target = "\(directory)/\(table.name)-\(stamp.string(from: Date())).csv"
        }
        let text = target.lowercased().hasSuffix(".json") ? table.json : table.csv
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            throw UserError("cannot write \(target): \((error as NSError).localizedDescription)")
        }
        return target
    }
}

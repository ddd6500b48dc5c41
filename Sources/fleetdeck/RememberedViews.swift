import Console
import FleetCore
import Foundation

/// `$XDG_STATE_HOME/fleetdeck/views.json`: each fleet's remembered view (`RememberedView`),
/// keyed by what the console watches: `demo:bank`, `watch:/path/config.yaml`,
/// `replay:/path/incident.rec.gz`. A file that cannot be read is set aside, not trusted and
/// not fatal: the console opens fresh and says so.
struct RememberedViews {
    let path: String
    let key: String

    init(key: String, path: String = StateDirectory.path + "/views.json") {
        self.key = key
        self.path = path
    }

    /// Files above this are not views: refused unread.
    static let maxBytes = 1 << 20
    /// Fleets kept; the least recently used go first.
    static let maxFleets = 50

    private struct Entry: Codable {
        var view: RememberedView
        var used: Double
    }

    private func readAll() throws -> [String: Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        guard (attributes[.size] as? Int ?? 0) <= Self.maxBytes else {
            throw UserError("\(path): larger than \(Self.maxBytes / 1024) KiB")
        }
        do {
            return try JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw UserError("\(path): not a views file (\(error.localizedDescription))")
        }
    }

    /// The remembered view, or nil; and what to say when the file could not be read.
    func load() -> (RememberedView?, StatusMessage?) {
        do {
            return (try readAll()[key]?.view, nil)
        } catch {
            return (nil, StatusMessage("\(error); the view starts fresh", isError: true))
        }
    }

    func save(_ view: RememberedView) {
        var all = (try? readAll()) ?? [:]
        all[key] = Entry(view: view, used: Date().timeIntervalSince1970)
        if all.count > Self.maxFleets {
            for (k, _) in all.sorted(by: { $0.value.used < $1.value.used }).prefix(all.count - Self.maxFleets) { all[k] = nil }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(all) else { return }
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

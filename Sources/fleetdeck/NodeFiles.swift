import Foundation
import Scheduler

/// A node profile and engine settings as `simulate --trace`, `calibrate` and `bench trace`
/// name them: a path, or a name from sample-data/profiles and sample-data/engines.
struct NodeFiles {
    var profilePath: String
    var profile: NodeProfile
    var enginePath: String?
    /// The engine file's settings, vLLM's defaults without one.
    var engine: EngineSettings

    init(profile: String, engine: String?) throws {
        profilePath = try Self.resolve(profile, folder: "profiles")
        self.profile = try NodeProfileLoader.load(file: profilePath)
        enginePath = try engine.map { try Self.resolve($0, folder: "engines") }
        self.engine = try enginePath.map(EngineSettingsLoader.load) ?? EngineSettings()
    }

    /// A path as given, else `sample-data/FOLDER/NAME.json`.
    static func resolve(_ nameOrPath: String, folder: String) throws -> String {
        if nameOrPath.contains("/") || FileManager.default.fileExists(atPath: nameOrPath) { return nameOrPath }
        let home = try DataLocator.requireHome()
        return try FileCatalog(directory: home + "/sample-data/" + folder, extension: "json")
            .require(nameOrPath, kind: String(folder.dropLast()))
    }
}

import FleetCore
import Foundation
import Scheduler

/// `simulate --trace`: loads the trace, the profile and the engine (by path or by name from
/// sample-data), replays, prints.
struct TraceReplayCommand {
    var trace: String
    var profile: String
    var engine: String?
    var model: String?
    var format: TraceFormat?
    var json: Bool

    func run() throws {
        let profilePath = try Self.resolve(profile, folder: "profiles")
        let nodeProfile = try NodeProfileLoader.load(file: profilePath)
        var settings = EngineSettings()
        if let engine { settings = try EngineSettingsLoader.load(file: try Self.resolve(engine, folder: "engines")) }
        let requests = try ServingTraceReader.load(file: trace, format: format)
        let replay: TraceReplay
        let result: TraceReplay.Result
        do {
            replay = try TraceReplay(profile: nodeProfile, profileFile: profilePath, modelName: model, engine: settings)
            result = try replay.run(requests, file: trace)
        } catch let failure as TraceReplay.Failure {
            throw UserError(failure.description)
        }
        let report = TraceReplayReport(trace: trace, profile: nodeProfile.name, replay: replay, engine: settings, result: result)
        print(json ? try JSONText.encode(report) : report.text)
    }

    /// A path as given, else `sample-data/FOLDER/NAME.json`.
    static func resolve(_ nameOrPath: String, folder: String) throws -> String {
        if nameOrPath.contains("/") || FileManager.default.fileExists(atPath: nameOrPath) { return nameOrPath }
        let home = try DataLocator.requireHome()
        return try FileCatalog(directory: home + "/sample-data/" + folder, extension: "json")
            .require(nameOrPath, kind: String(folder.dropLast()))
    }
}

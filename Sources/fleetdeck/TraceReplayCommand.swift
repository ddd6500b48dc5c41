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
        let files = try NodeFiles(profile: profile, engine: engine)
        let (profilePath, nodeProfile, settings) = (files.profilePath, files.profile, files.engine)
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
}

import Foundation

/// Finds the folder that holds `sample-data/scenarios` and `Themes`: FLEETDECK_HOME, else the
/// repository the binary was built in (walking up from the executable), else the working
/// directory, else the shared install locations.
enum DataLocator {
    static func home() -> String? {
        let fm = FileManager.default
        func holdsData(_ dir: String) -> Bool {
            fm.fileExists(atPath: dir + "/sample-data/scenarios")
        }
        if let env = ProcessInfo.processInfo.environment["FLEETDECK_HOME"], !env.isEmpty {
            return env
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        }
        for _ in 0..<6 {
            if holdsData(dir.path) { return dir.path }
            dir = dir.deletingLastPathComponent()
        }
        for candidate in [fm.currentDirectoryPath, "/usr/local/share/fleetdeck", "/usr/share/fleetdeck"] where holdsData(candidate) {
            return candidate
        }
        return nil
    }

    static func requireHome() throws -> String {
        guard let h = home() else {
            throw UserError("cannot find sample-data/scenarios: run from the fleetdeck repository or set FLEETDECK_HOME")
        }
        return h
    }
}

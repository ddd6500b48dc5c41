import Foundation

/// The YAML files of one folder, by name: the seed scenarios, the themes. A name with a `/` or
/// a `.yaml` ending is taken as a path instead.
struct FileCatalog {
    let directory: String

    var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }
            .map { String($0.dropLast(5)) }
            .sorted()
    }

    func path(for nameOrPath: String) -> String? {
        let p = nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") ? nameOrPath : directory + "/" + nameOrPath + ".yaml"
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}

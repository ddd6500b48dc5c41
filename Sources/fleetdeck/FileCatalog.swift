import Foundation

/// The files of one folder with one extension, by name: the seed scenarios and themes (YAML),
/// the node profiles and engines (JSON). A name with a `/` or the extension is taken as a path.
struct FileCatalog {
    let directory: String
    var fileExtension = "yaml"

    init(directory: String, extension ext: String = "yaml") {
        self.directory = directory
        fileExtension = ext
    }

    var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix("." + fileExtension) }
            .map { String($0.dropLast(fileExtension.count + 1)) }
            .sorted()
    }

    /// The file for a name (or a path), or an error naming the valid ones: "unknown KIND 'X'
    /// (valid: ...)".
    func require(_ nameOrPath: String, kind: String) throws -> String {
        guard let path = path(for: nameOrPath) else {
            throw UserError("unknown \(kind) '\(nameOrPath)' (valid: \(names.joined(separator: ", ")))")
        }
        return path
    }

    func path(for nameOrPath: String) -> String? {
        let p = nameOrPath.contains("/") || nameOrPath.hasSuffix("." + fileExtension)
            ? nameOrPath : directory + "/" + nameOrPath + "." + fileExtension
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}

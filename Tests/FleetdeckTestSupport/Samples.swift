import Foundation

/// The real exporters' payloads under sample-data/telemetry.
public enum Samples {
    public static let directory = RepositoryRoot.path + "/sample-data/telemetry"

    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
    }
}

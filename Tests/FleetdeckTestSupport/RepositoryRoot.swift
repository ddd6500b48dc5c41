import Foundation

/// The repository's root, found from this file's path (Tests/FleetdeckTestSupport/...): where
/// the tests find sample data, scenarios, themes and the built binary.
public enum RepositoryRoot {
    public static let path: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}

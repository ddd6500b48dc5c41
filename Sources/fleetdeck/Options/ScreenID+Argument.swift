import ArgumentParser
import Console

/// `--screen NAME`: the screens by their titles, so the help lists every one there is.
extension ScreenID: ExpressibleByArgument {
    public init?(argument: String) {
        guard let id = Self.allCases.first(where: { $0.title.lowercased() == argument.lowercased() }) else { return nil }
        self = id
    }

    public static var allValueStrings: [String] { allCases.map { $0.title.lowercased() } }

    /// None: the names say what they are (and the raw numbers must not be shown as values).
    public static var allValueDescriptions: [String: String] { [:] }
}

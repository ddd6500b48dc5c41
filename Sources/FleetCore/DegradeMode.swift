/// The pool-level degrade modes an operator can switch on under extreme load. The raw values
/// are the names the config, the scenario files, the audit log and recordings use.
public enum DegradeMode: String, CaseIterable, Sendable, Codable, Hashable {
    /// Requests of the least important class are refused at the door.
    case shedLowPriority = "shed_low_priority"
    /// The pool's traffic goes to the fleet's smallest-model GPU pool.
    case smallerModel = "smaller_model"
    /// Output is capped at `DegradeMode.cappedMaxTokens` tokens.
    case capMaxTokens = "cap_max_tokens"
    /// Only response-cache hits are served; misses are refused.
    case cacheOnly = "cache_only"
    /// The pool's traffic goes to the fleet's external API tier.
    case apiFallback = "api_fallback"

    /// Output cap of `capMaxTokens`.
    public static let cappedMaxTokens = 256

    /// What the mode does, in words (the degrade menu, dialogs, the events log).
    public var title: String {
        switch self {
        case .shedLowPriority: return "shed low-priority traffic"
        case .smallerModel: return "route to the smaller model tier"
        case .capMaxTokens: return "cap max output tokens at \(Self.cappedMaxTokens)"
        case .cacheOnly: return "serve from cache only"
        case .apiFallback: return "fall back to the external API"
        }
    }

    /// A table cell's worth (the Pools screen's DEGRADED column).
    public var shortName: String {
        switch self {
        case .shedLowPriority: return "shed"
        case .smallerModel: return "small"
        case .capMaxTokens: return "cap"
        case .cacheOnly: return "cache"
        case .apiFallback: return "api"
        }
    }
}

import FleetCore

/// What a key binding sends: every command the console's keys can give, under the name the
/// config's `keys:` section rebinds it by.
public enum ConsoleCommand: String, CaseIterable, Sendable {
    case overview, nodes, pools, events, sources, audit, scheduler, alerts
    case nextScreen = "next-screen", previousScreen = "previous-screen"
    case up, down, pageUp = "page-up", pageDown = "page-down", first, last
    case open, inspect, back, filter, sort, reverseSort = "reverse-sort", pause, mark
    case eventsBack = "events-back", eventsForward = "events-forward", historySpan = "history-span"
    case scaleUp = "scale-up", scaleDown = "scale-down", degrade, drain, shift, applyAdvice = "apply-advice", undo
    case help, command, quit, export
    case replayPause = "replay-pause", replayStepBack = "replay-step-back", replayStepForward = "replay-step-forward"
    case replaySeekBack = "replay-seek-back", replaySeekForward = "replay-seek-forward"
    case replayPreviousEvent = "replay-previous-event", replayNextEvent = "replay-next-event"
    case replaySlower = "replay-slower", replayFaster = "replay-faster", replayGoTo = "replay-goto"
    /// One of the operator's own commands (`commands:`); the binding names which. Its key is
    /// set under `commands:`, not `keys:`.
    case userCommand = "user-command"

    /// The screen a screen command shows.
    public var screen: ScreenID? {
        switch self {
        case .overview: return .overview
        case .nodes: return .nodes
        case .pools: return .pools
        case .events: return .events
        case .sources: return .sources
        case .audit: return .audit
        case .scheduler: return .scheduler
        case .alerts: return .alerts
        default: return nil
        }
    }

    /// The replay transport command it sends; nil for the others (and for go-to, a prompt).
    public var replayCommand: ReplayCommand? {
        switch self {
        case .replayPause: return .togglePause
        case .replayStepBack: return .step(-1)
        case .replayStepForward: return .step(1)
        case .replaySeekBack: return .seekBy(-60)
        case .replaySeekForward: return .seekBy(60)
        case .replayPreviousEvent: return .jumpToEvent(forward: false)
        case .replayNextEvent: return .jumpToEvent(forward: true)
        case .replaySlower: return .slower
        case .replayFaster: return .faster
        default: return nil
        }
    }
}

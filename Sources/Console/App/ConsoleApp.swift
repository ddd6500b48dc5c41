import FleetCore
import Foundation
import Synchronization

/// What the operator configured about the keys: the keymap (`keys:`), the command line's
/// aliases (`aliases:`), and the themes `:theme` may load.
public struct ConsoleSettings {
    public var keymap: Keymap
    public var aliases: [String: String]
    public var themes: [String]
    /// Loads a theme by name for `:theme`; nil when themes cannot change at run time.
    public var loadTheme: ((String) throws -> Theme)?
    /// `commands:`: the operator's own commands (their keys are in `keymap` already).
    public var userCommands: [UserCommand]
    /// The view this fleet was left in last time, and where to keep it at the end.
    public var remembered: RememberedView?
    public var remember: ((RememberedView) -> Void)?
    /// Said on the bottom row when the console opens (a state file that could not be read).
    public var openingMessage: StatusMessage?
    /// The fleet this console shows, named in the header in its colour (`contexts:`).
    public var context: ContextBadge?
    /// Every context `:ctx` may switch to, and why it may not now (a recording under way).
    public var contexts: [String] = []
    public var contextsLocked: String?
    /// Writes an exported table to the path given (or a new file in the exports folder) and
    /// returns where it went; nil when exports cannot be written here.
    public var writeExport: ((ExportTable, String?) throws -> String)?
    /// `alerts.bell`: ring the terminal's bell when a page fires.
    public var bell = false
    /// `:record FILE` and `:record stop`, where the fleet can be recorded (not in a replay).
    public var recording: RecordingCommands?

    public init(keymap: Keymap = .standard, aliases: [String: String] = [:], themes: [String] = [],
                loadTheme: ((String) throws -> Theme)? = nil, userCommands: [UserCommand] = [],
                writeExport: ((ExportTable, String?) throws -> String)? = nil) {
        self.keymap = keymap
        self.aliases = aliases
        self.themes = themes
        self.loadTheme = loadTheme
        self.userCommands = userCommands
        self.writeExport = writeExport
    }
}

/// What `:record` asks of the session: start writing a recording to a path (returning where it
/// goes, or throwing why not), stop it (saying what was written; nil when none was open), and
/// the file being written now.
public struct RecordingCommands {
    public var start: (String) throws -> String
    public var stop: () -> String?
    public var current: () -> String?

    public init(start: @escaping (String) throws -> String, stop: @escaping () -> String?, current: @escaping () -> String?) {
        self.start = start; self.stop = stop; self.current = current
    }
}

/// A named fleet from the config's `contexts:`, as the header shows it.
public struct ContextBadge: Equatable, Sendable {
    public var name: String
    public var role: StyleRole

    public init(name: String, role: StyleRole) { self.name = name; self.role = role }
}

/// How a console run ended: the operator quit, or asked for another context (`:ctx NAME`),
/// which the command wires up and runs next.
public enum ConsoleExit: Equatable, Sendable {
    case quit
    case switchContext(String)
}

/// The render loop: one thread owns the terminal; it reads the newest snapshot, turns keys
/// into state and effects, carries the effects out, and redraws only when something changed.
/// It never waits on a source.
public final class ConsoleApp {
    private let store: SnapshotStore
    private let glyphs: Glyphs
    private let replay: (any ReplayControl)?
    private let actions: (any ActionControl)?
    private let advisor: (any AdvisorFeed)?
    private let inspector: (any NodeInspector)?
    /// The newest inspection fetched for `i`, written by its task, read by the loop.
    private let inspection = LatestInspection()
    private let settings: ConsoleSettings
    /// `--read-only`: the keymap loses its dangerous bindings and the command line refuses actions.
    private let readOnly: Bool
    /// How long to wait for a key before looking for a new snapshot.
    public var pollMilliseconds: Int32 = 200

    public init(store: SnapshotStore, glyphs: Glyphs, replay: (any ReplayControl)? = nil, actions: (any ActionControl)? = nil,
                advisor: (any AdvisorFeed)? = nil, inspector: (any NodeInspector)? = nil, settings: ConsoleSettings = ConsoleSettings()) {
        self.store = store
        self.inspector = inspector
        self.glyphs = glyphs
        self.replay = replay
        self.actions = actions
        self.advisor = advisor
        readOnly = actions?.disabledReason != nil
        var settings = settings
        if readOnly {
            settings.keymap = settings.keymap.withoutDangerous()
            settings.userCommands.removeAll { $0.dangerous }
        }
        self.settings = settings
    }

    /// What the dialog says for an action: the action layer's plan, or why there is none.
    static func plan(_ action: OperatorAction, snapshot: FleetSnapshot?, actions: (any ActionControl)?) -> ActionPlan {
        let what = "\(action.verb.rawValue) \(action.target)"
        if snapshot?.replay != nil {
            return ActionPlan(description: what, actuator: "", refusal: "actions are disabled during a replay")
        }
        guard let actions, let snapshot else {
            return ActionPlan(description: what, actuator: "",
                              refusal: "no actuator: actions act on the embedded fleet (demo); actuators for watched fleets come from the config")
        }
        return actions.plan(action, snapshot: snapshot)
    }

    /// One plan for several actions: each one's description, refused when any one is.
    static func plan(_ all: [OperatorAction], snapshot: FleetSnapshot?, actions: (any ActionControl)?) -> ActionPlan {
        let plans = all.map { plan($0, snapshot: snapshot, actions: actions) }
        let refusal = zip(all, plans).first { $0.1.refusal != nil }.map { "\($0.0.target): \($0.1.refusal!)" }
        return ActionPlan(description: plans.map(\.description).joined(separator: "\n"),
                          actuator: plans.first?.actuator ?? "", refusal: refusal)
    }

    static func plan(_ run: UserCommandRun, snapshot: FleetSnapshot?, actions: (any ActionControl)?) -> ActionPlan {
        let what = "run '\(run.command.name)' on \(run.target)"
        if snapshot?.replay != nil {
            return ActionPlan(description: what, actuator: "", refusal: "commands do not run during a replay")
        }
        guard let actions, let snapshot else {
            return ActionPlan(description: what, actuator: "", refusal: "no action layer here")
        }
        return actions.plan(run, snapshot: snapshot)
    }

    @discardableResult
    public func run(on terminal: TerminalBackend) -> ConsoleExit {
        var state = settings.remembered?.applied(to: ConsoleState()) ?? ConsoleState()
        state.message = settings.openingMessage
        defer { settings.remember?(RememberedView(state)) }
        var shownVersion = -1
        var dirty = true
        var shownAdviceTime: Double?
        var shownInspection = 0
        var quit = false
        var exit = ConsoleExit.quit
        var regions: [ClickRegion] = []
        var pages = AlertBell()
        while !quit && !terminal.stopRequested {
            let (version, snapshot) = store.latest()
            let advice = advisor?.latestAdvice()
            if advice?.time != shownAdviceTime {
                shownAdviceTime = advice?.time
                dirty = true
            }
            let (inspectionVersion, inspected) = inspection.latest()
            if inspectionVersion != shownInspection {
                shownInspection = inspectionVersion
                dirty = true
            }
            if version != shownVersion {
                shownVersion = version
                dirty = true
                if pages.ringsFor(snapshot), settings.bell, snapshot?.replay == nil { terminal.bell() }
            }
            if dirty {
                if state.selectedNodeID == nil, let shown = state.frozen ?? snapshot,
                   let first = NodeList.rows(shown, state: state).first {
                    state.selectedNodeID = first.id
                }
                let (w, h) = terminal.size
                let frame = ScreenRenderer.render(snapshot: snapshot, state: state, width: w, height: h, glyphs: glyphs,
                                                  audit: state.screen == .audit ? actions?.recentAudit() ?? [] : [], advice: advice,
                                                  keymap: settings.keymap, userCommands: settings.userCommands,
                                                  inspection: inspected, context: settings.context, advisorOff: advisor == nil,
                                                  recordingTo: settings.recording?.current())
                state.nodeScrollOffset = frame.nodeScrollOffset
                regions = frame.canvas.regions
                terminal.present(frame.canvas)
                dirty = false
            }
            guard let key = terminal.readKey(timeoutMilliseconds: pollMilliseconds) else { continue }
            dirty = true
            guard key != .resize else { continue }
            var context = KeyContext(snapshot: snapshot, advice: advice, keymap: settings.keymap, aliases: settings.aliases,
                                     themes: settings.themes, readOnly: readOnly, userCommands: settings.userCommands)
            context.contexts = settings.contexts
            context.currentContext = settings.context?.name
            // A recording is one fleet's: switching would end it.
            context.contextsLocked = settings.contextsLocked
                ?? settings.recording?.current().map { "recording to \(TerminalText.sanitized($0)): :record stop first" }
            if state.screen == .audit { context.audit = actions?.recentAudit() ?? [] }
            context.regions = regions
            let outcome = KeyHandler.handle(key, state, context)
            state = outcome.state
            for effect in outcome.effects {
                switch effect {
                case .plan(let action):
                    state.mode = .confirming(PendingAction(action, Self.plan(action, snapshot: snapshot, actions: actions)))
                case .run(let action):
                    actions?.run(action)
                    advisor?.acknowledge(action)
                case .planAll(let all):
                    state.mode = .confirming(PendingAction(all, Self.plan(all, snapshot: snapshot, actions: actions)))
                case .planCommand(let run):
                    state.mode = .confirming(PendingAction(run, Self.plan(run, snapshot: snapshot, actions: actions)))
                case .runCommand(let run):
                    actions?.run(run)
                case .replay(let command):
                    replay?.send(command)
                case .theme(let name):
                    state.message = applyTheme(name, on: terminal)
                case let .export(table, path):
                    state.message = export(table, to: path)
                case .inspect(let node):
                    guard let inspector else {
                        inspection.set(NodeInspection(node: node, source: "-", fetchedAt: Date().timeIntervalSince1970,
                                                      failure: "this source has no engine pages to fetch (a simulated fleet, a query API, a stream): watch servers' /metrics"))
                        break
                    }
                    let box = inspection
                    Task.detached { box.set(await inspector.inspect(node: node)) }
                case .record(let path):
                    state.message = record(path)
                case .switchContext(let name):
                    exit = .switchContext(name)
                    quit = true
                case .quit:
                    quit = true
                }
            }
        }
        return exit
    }

    /// `:record FILE` starts a recording, `:record stop` ends it, `:record` says which is on.
    private func record(_ path: String?) -> StatusMessage {
        guard let r = settings.recording else { return StatusMessage("nothing to record here: a replay is a recording already", isError: true) }
        switch path {
        case nil:
            return StatusMessage(r.current().map { "recording to \(TerminalText.sanitized($0)) (:record stop ends it)" }
                                 ?? "not recording (:record FILE starts)")
        case "stop"?:
            return StatusMessage(r.stop().map { TerminalText.sanitized($0) } ?? "not recording", isError: false)
        case let file?:
            do {
                return StatusMessage("recording to \(TerminalText.sanitized(try r.start(file))) (:record stop ends it)")
            } catch {
                return StatusMessage("record: \(TerminalText.sanitized("\(error)"))", isError: true)
            }
        }
    }

    private func export(_ table: ExportTable, to path: String?) -> StatusMessage {
        guard let write = settings.writeExport else { return StatusMessage("exports cannot be written here", isError: true) }
        do {
            let written = try write(table, path)
            return StatusMessage("\(table.name): \(table.rows.count) rows written to \(TerminalText.sanitized(written))")
        } catch {
            return StatusMessage("export: \(TerminalText.sanitized("\(error)"))", isError: true)
        }
    }

    private func applyTheme(_ name: String, on terminal: TerminalBackend) -> StatusMessage {
        guard let load = settings.loadTheme else { return StatusMessage("themes cannot change here", isError: true) }
        do {
            terminal.apply(try load(name))
            return StatusMessage("theme \(name)")
        } catch {
            return StatusMessage(TerminalText.sanitized("\(error)"), isError: true)
        }
    }
}

/// The newest inspection and a count of them, for the loop to notice a new one.
final class LatestInspection: Sendable {
    private let value = Mutex<(version: Int, inspection: NodeInspection?)>((0, nil))

    func set(_ inspection: NodeInspection) { value.withLock { $0 = ($0.version + 1, inspection) } }
    func latest() -> (Int, NodeInspection?) { value.withLock { ($0.version, $0.inspection) } }
}

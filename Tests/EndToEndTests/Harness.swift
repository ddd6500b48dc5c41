import FleetdeckTestSupport
import Foundation
import Telemetry
import Testing

/// Finds the built binary and runs it; drives tmux for the terminal tests.
enum Harness {
    /// The client the sources use in production, shared by the tests for their lifetime.
    static let httpClient = try! TelemetryHTTPClient.make(tls: nil)

    /// `FLEETDECK_BIN`, or the debug build `swift build` leaves in .build.
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["FLEETDECK_BIN"], !b.isEmpty { return b }
        return RepositoryRoot.path + "/.build/debug/fleetdeck"
    }

    static func requireBinary() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw HarnessError("no fleetdeck binary at \(binary): run 'swift build' first (Scripts/test does)")
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion with no terminal attached. posix_spawn and waitpid rather
    /// than Foundation's Process, whose exit monitoring stalls when the child's own child (a
    /// tmux server) lives on.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let (pid, base) = try spawn(executable, arguments, environment: environment)
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let o = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let e = FileManager.default.contents(atPath: base + ".err") ?? Data()
        return Result(status: exitStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    /// Starts a program in the background; its output goes to `base`.out/.err. Reap it with
    /// `stop(_:)`.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (pid_t, String) {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let base = NSTemporaryDirectory() + "fleetdeck-run-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // The test runner's threads block signals; the child (and the console it may start)
        // must not inherit that mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw HarnessError("cannot run \(executable): \(String(cString: strerror(rc)))") }
        return (pid, base)
    }

    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        guard let p = FreePort.loopback() else { throw HarnessError("no free port") }
        return p
    }

    static func fleetdeck(_ arguments: [String]) throws -> Result {
        try requireBinary()
        return try run(binary, arguments, environment: ["FLEETDECK_HOME": RepositoryRoot.path])
    }

    /// `fleetdeck` for a long run: waited for on a thread of its own, so it holds none of the
    /// concurrency pool's two threads (other suites' scrape loops need them).
    static func fleetdeckOffPool(_ arguments: [String]) async throws -> Result {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Swift.Result { try fleetdeck(arguments) }) }.start()
        }
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A private tmux server with one pane running an interactive shell.
final class TmuxPane {
    let socket: String
    let tmux: String

    init(width: Int, height: Int) throws {
        guard let t = Harness.which("tmux") else {
            throw HarnessError("tmux is not installed: the terminal tests need it (Scripts/test installs it)")
        }
        tmux = t
        socket = "fleetdeck-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // Each pane keeps its own state (audit log, remembered views): one test's view must
        // not open the next one's console on another screen.
        try cmd(["-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", "\(width)", "-y", "\(height)",
                 "env", "-i", "PATH=/usr/bin:/bin", "HOME=\(NSTemporaryDirectory())", "TERM=tmux-256color", "LANG=C.UTF-8",
                 "XDG_STATE_HOME=\(stateDirectory)",
                 "PS1=$ ", "bash", "--norc", "--noprofile"])
        try cmd(["set-option", "-g", "status", "off"])
        try cmd(["resize-window", "-t", "main", "-x", "\(width)", "-y", "\(height)"])
    }

    var stateDirectory: String { NSTemporaryDirectory() + socket + "-state" }

    deinit {
        _ = try? cmd(["kill-server"])
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    @discardableResult
    func cmd(_ args: [String]) throws -> String {
        let r = try Harness.run(tmux, ["-L", socket] + args)
        guard r.status == 0 else { throw HarnessError("tmux \(args.joined(separator: " ")) failed: \(r.stderr)") }
        return r.stdout
    }

    func type(_ text: String) throws { try cmd(["send-keys", "-t", "main", "-l", text]) }
    func press(_ keys: String...) throws { try cmd(["send-keys", "-t", "main"] + keys) }
    func screen() throws -> String { try cmd(["capture-pane", "-p", "-t", "main"]) }
    /// The screen with its colour and attribute escape sequences, as tmux re-encodes them.
    func screenWithEscapes() throws -> String { try cmd(["capture-pane", "-e", "-p", "-t", "main"]) }
    func format(_ f: String) throws -> String {
        try cmd(["display-message", "-p", "-t", "main", f]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func resize(width: Int, height: Int) throws {
        try cmd(["resize-window", "-t", "main", "-x", "\(width)", "-y", "\(height)"])
    }

    /// Polls until `condition` holds for the screen, or fails after `timeout` seconds.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 30, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            usleep(100_000)
        }
        throw HarnessError("timed out waiting for \(what); the screen was:\n\(last)")
    }

    func waitFor(text: String, timeout: Double = 30) throws -> String {
        try waitFor("'\(text)'", timeout: timeout) { $0.contains(text) }
    }

    /// `waitFor` for async tests: sleeps as a task between looks, so a long wait holds none of
    /// the concurrency pool's threads (two on a 2-core machine), which other suites' async
    /// work (scrape loops) needs.
    @discardableResult
    func awaitScreen(_ what: String, timeout: Double = 30, _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw HarnessError("timed out waiting for \(what); the screen was:\n\(last)")
    }

    /// The pid of the program running in the shell, if any.
    func childPID() throws -> Int32? {
        let shell = try format("#{pane_pid}")
        let r = try Harness.run("/usr/bin/pgrep", ["-P", shell])
        return r.stdout.split(separator: "\n").first.flatMap { Int32($0) }
    }
}

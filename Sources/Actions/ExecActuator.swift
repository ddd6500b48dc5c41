import FleetCore
import Foundation

/// Runs a configured argv template, without a shell: `posix_spawnp` with the filled argv,
/// stdin from /dev/null, stdout and stderr captured (the first 4 KiB of each go into the
/// event), killed at the timeout. Placeholders take only config values and computed numbers.
public struct ExecActuator: Actuator {
    public let name = "exec"
    public let argv: [String]
    public let vars: [String: String]
    public let timeout: Double
    /// Current replicas per pool, for `{replicas}`: read from the latest snapshot.
    let replicas: @Sendable (String) -> Int?
    /// The node names the config declares; `{node}` takes only those.
    let configuredNodes: Set<String>

    public init(argv: [String], vars: [String: String], timeout: Double, configuredNodes: Set<String>,
                replicas: @escaping @Sendable (String) -> Int?) {
        self.argv = argv; self.vars = vars; self.timeout = timeout
        self.configuredNodes = configuredNodes; self.replicas = replicas
    }

    func values(_ action: OperatorAction) -> Result<[String: String], ActionError> {
        var v = vars
        v["action"] = action.verb.rawValue
        for (key, value) in action.parameters {
            switch value {
            // Placeholders are argv words: a mode with dashes, as command-line flags spell them.
            case .mode(let m): v[key] = m.rawValue.replacingOccurrences(of: "_", with: "-")
            case .percent(let p): v[key] = "\(Int(p.rounded()))"
            default: v[key] = value.text
            }
        }
        switch action {
        case let .scale(pool, delta):
            v["pool"] = pool
            guard let now = replicas(pool) else { return .failure(ActionError("no replica count for \(pool)")) }
            v["replicas"] = "\(now + delta)"
        case let .drain(node):
            guard configuredNodes.contains(node) else {
                return .failure(ActionError("node \(node) is not named in the config; only configured names reach a command"))
            }
            v["node"] = node
        case let .degrade(pool, _, _), let .shift(pool, _, _):
            v["pool"] = pool
        }
        return .success(v)
    }

    public func command(_ action: OperatorAction) -> Result<[String], ActionError> {
        values(action).flatMap { ArgvTemplate.fill(argv, values: $0) }
    }

    public func request(for action: OperatorAction) -> String {
        switch command(action) {
        case .success(let a): return Self.display(a)
        case .failure(let e): return "none (\(e))"
        }
    }

    /// An argv as the dialog and the audit log show it (quoted where a word has a space).
    public static func display(_ argv: [String]) -> String {
        argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    public func describe(_ action: OperatorAction, snapshot: FleetSnapshot) -> String {
        switch action {
        case let .scale(pool, delta):
            let now = snapshot.pool(pool)?.nodes ?? 0
            return "Scale pool \(pool) from \(now) to \(now + delta) replicas (timeout \(Format.duration(timeout)))."
        default:
            return "\(action.verb.rawValue.capitalized) \(action.target) (timeout \(Format.duration(timeout)))."
        }
    }

    public func execute(_ action: OperatorAction) async -> Result<String, ActionError> {
        switch command(action) {
        case .failure(let e): return .failure(e)
        case .success(let args):
            let timeout = self.timeout
            return await withCheckedContinuation { c in
                Thread.detachNewThread { c.resume(returning: Self.run(args, timeout: timeout)) }
            }
        }
    }

    /// How much of each of stdout and stderr the event and the audit keep.
    static let keptOutputBytes = 4096

    /// Spawns in a process group of its own, reads its output while it runs (keeping the
    /// first 4 KiB of each stream, so a chatty command never blocks on a full pipe), waits up
    /// to `timeout`, and then kills the whole group: a grandchild that outlives the command
    /// cannot hold the action in flight. The command inherits no descriptor beyond 0, 1 and
    /// 2, and its pipes are close-on-exec, so an action started meanwhile gets none of them.
    static func run(_ args: [String], timeout: Double) -> Result<String, ActionError> {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard systemPipe2(&out, O_CLOEXEC) == 0 else { return .failure(ActionError("cannot create pipes")) }
        guard systemPipe2(&err, O_CLOEXEC) == 0 else {
            close(out[0]); close(out[1])
            return .failure(ActionError("cannot create pipes"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        // The command gets 0, 1 and 2 and nothing else: not another action's pipes, not the
        // console's sockets or files, whoever opened them without close-on-exec.
        addCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let argv = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var rc = posix_spawnp(&pid, args[0], &actions, &attributes, argv, environ)
        // A script just written may still be open for writing in a child another thread forked
        // meanwhile ("text file busy"); that passes in a moment.
        for _ in 0..<40 where rc == ETXTBSY {
            usleep(25_000)
            rc = posix_spawnp(&pid, args[0], &actions, &attributes, argv, environ)
        }
        close(out[1])
        close(err[1])
        guard rc == 0 else {
            close(out[0]); close(err[0])
            return .failure(ActionError("cannot run \(args[0]): \(String(cString: strerror(rc)))"))
        }
        let deadline = Date().addingTimeInterval(timeout)
        var streams = [OutputStream(fd: out[0]), OutputStream(fd: err[0])]
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var status: Int32 = 0
        var exited = false, timedOut = false
        while !exited {
            OutputStream.readAvailable(&streams, waitingMilliseconds: 20, through: &chunk)
            if waitpid(pid, &status, WNOHANG) == pid {
                exited = true
            } else if Date() > deadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                exited = true
                timedOut = true
            }
        }
        // What the command wrote before it ended; whatever its group left behind is not
        // waited for, and goes with the group.
        OutputStream.readAvailable(&streams, waitingMilliseconds: 0, through: &chunk)
        kill(-pid, SIGKILL)
        for s in streams { close(s.fd) }
        let output = streams.map(\.text).filter { !$0.isEmpty }.joined(separator: " | ")
        if timedOut { return .failure(ActionError("timed out after \(Format.duration(timeout)); killed" + (output.isEmpty ? "" : ": \(output)"))) }
        let normal = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard normal, code == 0 else {
            return .failure(ActionError("\(args[0]) \(normal ? "exited with \(code)" : "died of signal \(status & 0x7f)")" + (output.isEmpty ? "" : ": \(output)")))
        }
        return .success(output.isEmpty ? "\(args[0]) done" : output)
    }

    /// One of the command's output pipes: the first `keptOutputBytes` kept, the rest read and
    /// dropped.
    struct OutputStream {
        let fd: Int32
        var kept: [UInt8] = []
        var open = true

        init(fd: Int32) {
            self.fd = fd
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }

        var text: String {
            TerminalText.sanitized(String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }

        /// Waits up to `waitingMilliseconds` for output on any open stream, then reads all
        /// there is without blocking, through `chunk`.
        static func readAvailable(_ streams: inout [OutputStream], waitingMilliseconds: Int32, through chunk: inout [UInt8]) {
            var fds = streams.filter(\.open).map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            guard !fds.isEmpty else {
                if waitingMilliseconds > 0 { usleep(UInt32(waitingMilliseconds) * 1000) }
                return
            }
            _ = poll(&fds, nfds_t(fds.count), waitingMilliseconds)
            for i in streams.indices where streams[i].open {
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(streams[i].fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        let room = ExecActuator.keptOutputBytes - streams[i].kept.count
                        if room > 0 { streams[i].kept.append(contentsOf: chunk[0..<min(n, room)]) }
                    } else {
                        // 0: every writer closed it; -1 with EAGAIN: nothing more for now.
                        if n == 0 || (errno != EAGAIN && errno != EINTR) { streams[i].open = false }
                        break
                    }
                }
            }
        }
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34 and later), which Swift's Glibc
/// module leaves out: the child closes every descriptor from `lowest` up before it runs.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) -> Int32

/// glibc's pipe2(2), which Swift's Glibc module leaves out (it is behind _GNU_SOURCE): a pipe
/// created close-on-exec in one call, with no moment in which another thread's spawn could
/// inherit it.
@_silgen_name("pipe2")
private func systemPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

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
        case .success(let a): return a.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        case .failure(let e): return "none (\(e))"
        }
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

    /// Spawns, waits up to `timeout`, returns the exit status with the output.
    static func run(_ args: [String], timeout: Double) -> Result<String, ActionError> {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else { return .failure(ActionError("cannot create pipes")) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        posix_spawn_file_actions_addclose(&actions, out[0])
        posix_spawn_file_actions_addclose(&actions, err[0])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
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
        var status: Int32 = 0
        var timedOut = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                timedOut = true
                break
            }
            usleep(20_000)
        }
        func drain(_ fd: Int32) -> String {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while bytes.count < 4096 {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes.append(contentsOf: chunk[0..<n])
            }
            close(fd)
            return TerminalText.sanitized(String(decoding: bytes.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let stdout = drain(out[0]), stderr = drain(err[0])
        let output = [stdout, stderr].filter { !$0.isEmpty }.joined(separator: " | ")
        if timedOut { return .failure(ActionError("timed out after \(Format.duration(timeout)); killed" + (output.isEmpty ? "" : ": \(output)"))) }
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            return .failure(ActionError("\(args[0]) \(exited ? "exited with \(code)" : "died of signal \(status & 0x7f)")" + (output.isEmpty ? "" : ": \(output)")))
        }
        return .success(output.isEmpty ? "\(args[0]) done" : output)
    }
}

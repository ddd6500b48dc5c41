import Foundation

/// NDJSON piped into the console (`producer | fleetdeck watch --stdin`). The pipe moves to a
/// descriptor of its own and the controlling terminal takes over descriptor 0, so ncurses
/// reads keys from the keyboard as usual (the way `less` and `fzf` do it).
public final class PipedInput {
    public let fd: Int32
    public private(set) var closed = false

    public enum SetupError: Error, CustomStringConvertible {
        case notAPipe, noTerminal(String)
        public var description: String {
            switch self {
            case .notAPipe: return "--stdin reads NDJSON from a pipe: producer | fleetdeck watch --stdin"
            case .noTerminal(let why): return "--stdin needs a terminal for the console (/dev/tty): \(why)"
            }
        }
    }

    /// Takes the data on descriptor 0 and puts /dev/tty in its place.
    public static func takeStandardInput() throws -> PipedInput {
        guard isatty(STDIN_FILENO) == 0 else { throw SetupError.notAPipe }
        let data = dup(STDIN_FILENO)
        guard data >= 0 else { throw SetupError.noTerminal(String(cString: strerror(errno))) }
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            close(data)
            throw SetupError.noTerminal(String(cString: strerror(errno)))
        }
        dup2(tty, STDIN_FILENO)
        close(tty)
        _ = fcntl(data, F_SETFL, fcntl(data, F_GETFL) | O_NONBLOCK)
        _ = fcntl(data, F_SETFD, FD_CLOEXEC)
        return PipedInput(fd: data)
    }

    /// For tests: any readable descriptor.
    public init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Whatever has arrived, without blocking (at most 16 MiB a call).
    public func poll() -> [UInt8] {
        guard !closed else { return [] }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while out.count < 16 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]); continue }
            if n == 0 { closed = true }
            break   // n < 0: EAGAIN (nothing more now) or an error; either way, later
        }
        return out
    }
}

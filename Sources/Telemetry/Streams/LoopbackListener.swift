import Foundation

/// A TCP listener for NDJSON producers on this machine: loopback only, non-blocking, polled
/// by the stream loop. Each connection gets its own line splitter.
public final class LoopbackListener {
    public let port: Int
    private let fd: Int32
    private var clients: [(fd: Int32, splitter: LineSplitter, lines: Int, name: String)] = []

    public init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StreamError("cannot open a socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = Loopback.withSockaddr(port: port) { bind(fd, $0, $1) == 0 }
        guard bound, listen(fd, 16) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw StreamError("cannot listen on 127.0.0.1:\(port): \(e)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.port = port
    }

    deinit {
        for c in clients { close(c.fd) }
        close(fd)
    }

    /// Accepts new producers and returns the complete lines that arrived, with their source
    /// name and line number.
    public func poll() -> [(line: LineSplitter.Piece, source: String, number: Int)] {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { break }
            _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
            clients.append((c, LineSplitter(), 0, "tcp:\(port)#\(clients.count + 1)"))
        }
        var out: [(line: LineSplitter.Piece, source: String, number: Int)] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var closed: [Int] = []
        for i in clients.indices {
            // At most 1 MiB per producer per poll, so one fast producer cannot starve the loop.
            var budget = 1 << 20
            while budget > 0 {
                let n = buffer.withUnsafeMutableBytes { read(clients[i].fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n > 0 {
                    budget -= n
                    for piece in clients[i].splitter.feed(buffer[0..<n]) {
                        clients[i].lines += 1
                        out.append((piece, clients[i].name, clients[i].lines))
                    }
                    continue
                }
                if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closed.append(i) }
                break
            }
        }
        for i in closed.reversed() {
            close(clients[i].fd)
            clients.remove(at: i)
        }
        return out
    }
}

public struct StreamError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

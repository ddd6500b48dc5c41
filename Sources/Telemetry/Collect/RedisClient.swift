import MetricsFormats
import Foundation

/// A minimal Redis client for what fleetdeck asks: `INFO` (and `AUTH` before it). RESP over
/// a plain TCP socket with a deadline; the reply is a bulk string.
public struct RedisClient: Sendable {
    public var host: String
    public var port: Int
    public var timeout: Double
    /// Read from a file or the environment by the caller; never from the command line.
    public var password: String?
    /// For Redis 6 ACLs (`AUTH username password`); nil for the default user.
    public var username: String?

    public init(host: String, port: Int, timeout: Double, password: String? = nil, username: String? = nil) {
        self.host = host; self.port = port; self.timeout = timeout; self.password = password; self.username = username
    }

    public func info() -> Result<RedisInfo, ScrapeFailure> {
        do {
            let auth = password.map { p in username.map { ["AUTH", $0, p] } ?? ["AUTH", p] }
            let reply = try send([auth, ["INFO"]].compactMap { $0 })
            guard case .bulk(let text)? = reply.last else { return .failure(ScrapeFailure("unexpected reply to INFO")) }
            return .success(RedisInfoParser.parse(text))
        } catch let f as ScrapeFailure {
            return .failure(f)
        } catch {
            return .failure(ScrapeFailure("\(error)"))
        }
    }

    public enum Reply: Equatable, Sendable {
        case simple(String), error(String), integer(Int), bulk(String), null, array([Reply])
    }

    /// Sends the commands on one connection and returns their replies in order.
    public func send(_ commands: [[String]]) throws -> [Reply] {
        let fd = try connectSocket()
        defer { close(fd) }
        var out = ""
        for c in commands {
            out += "*\(c.count)\r\n" + c.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
        }
        try writeAll(fd, Array(out.utf8))
        // One deadline for the whole exchange: a server dripping bytes must not hold a poll
        // for a timeout per read.
        var reader = RESPReader(fd: fd, deadline: Date().addingTimeInterval(timeout), timeout: timeout)
        var replies: [Reply] = []
        for _ in commands {
            let r = try reader.reply()
            if case .error(let e) = r {
                // Say which step failed; never echo the command (AUTH carries the password).
                let what = commands[replies.count].first == "AUTH" ? "AUTH failed: " : ""
                throw ScrapeFailure("redis: \(what)\(e)")
            }
            replies.append(r)
        }
        return replies
    }

    func connectSocket() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else {
            throw ScrapeFailure("cannot resolve \(host)")
        }
        defer { freeaddrinfo(res) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw ScrapeFailure("cannot open a socket") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let e = errno
            close(fd)
            throw ScrapeFailure(e == ECONNREFUSED ? "connection refused" : e == EAGAIN || e == EINPROGRESS
                                ? "timeout after \(MetricsScraper.seconds(timeout))" : String(cString: strerror(e)))
        }
        return fd
    }

    func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a peer that hung up must be an error here, not SIGPIPE for the process.
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ScrapeFailure("write failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }
}

/// Reads RESP replies from a socket, buffering what arrives.
struct RESPReader {
    let fd: Int32
    let deadline: Date
    let timeout: Double
    var buffer: [UInt8] = []
    var position = 0
    static let maxReply = 16 << 20

    init(fd: Int32, deadline: Date = .distantFuture, timeout: Double = 0) { self.fd = fd; self.deadline = deadline; self.timeout = timeout }

    mutating func fill() throws {
        guard Date() < deadline else { throw ScrapeFailure("timeout after \(MetricsScraper.seconds(timeout))") }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == 0 { throw ScrapeFailure("connection closed by redis") }
        if n < 0 {
            throw ScrapeFailure(errno == EAGAIN || errno == EWOULDBLOCK ? "timeout waiting for redis" : String(cString: strerror(errno)))
        }
        buffer.append(contentsOf: chunk[0..<n])
        guard buffer.count <= Self.maxReply else { throw ScrapeFailure("reply larger than 16 MiB") }
    }

    mutating func line() throws -> String {
        while true {
            if let i = buffer[position...].firstIndex(of: 0x0A), i > position, buffer[i - 1] == 0x0D {
                let s = String(decoding: buffer[position..<(i - 1)], as: UTF8.self)
                position = i + 1
                return s
            }
            try fill()
        }
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        while buffer.count - position < n + 2 { try fill() }
        let out = Array(buffer[position..<(position + n)])
        position += n + 2
        return out
    }

    mutating func reply(depth: Int = 0) throws -> RedisClient.Reply {
        guard depth < 8 else { throw ScrapeFailure("reply nested too deeply") }
        let l = try line()
        guard let kind = l.first else { throw ScrapeFailure("empty reply line") }
        let rest = String(l.dropFirst())
        switch kind {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return .integer(Int(rest) ?? 0)
        case "$":
            guard let n = Int(rest) else { throw ScrapeFailure("bad bulk length") }
            if n < 0 { return .null }
            guard n <= Self.maxReply else { throw ScrapeFailure("reply larger than 16 MiB") }
            return .bulk(String(decoding: try bytes(n), as: UTF8.self))
        case "*":
            guard let n = Int(rest) else { throw ScrapeFailure("bad array length") }
            if n < 0 { return .null }
            guard n <= 4096 else { throw ScrapeFailure("reply array of \(n) elements refused") }
            return .array(try (0..<n).map { _ in try reply(depth: depth + 1) })
        default:
            throw ScrapeFailure("not a Redis reply")
        }
    }
}

import Foundation

/// IPv4 loopback sockets, the only addresses fleetdeck listens on.
public enum Loopback {
    public static func address(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return addr
    }

    /// Runs `body` with the address as the `sockaddr` the socket calls want.
    public static func withSockaddr<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var addr = address(port: port)
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// A connected TCP socket to 127.0.0.1:`port`, or nil.
    public static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if withSockaddr(port: port, { Foundation.connect(fd, $0, $1) }) == 0 { return fd }
        close(fd)
        return nil
    }
}

import Foundation

/// Reads a file as it grows, like `tail -F`: from the start, then whatever is appended; when
/// the file is truncated it starts over, and when it is replaced (rotated: a new inode at the
/// path) it opens the new one.
public final class FollowedFile {
    public let path: String
    private var handle: FileHandle?
    private var inode: UInt64 = 0
    private var offset: UInt64 = 0
    public private(set) var lastError: String?

    public init(path: String) { self.path = path }

    deinit { try? handle?.close() }

    /// New bytes since the last call, and whether the file was truncated or rotated meanwhile.
    public func poll() -> (bytes: [UInt8], restarted: Bool) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            lastError = "cannot open \(path): \(String(cString: strerror(errno)))"
            return ([], false)
        }
        var restarted = false
        if handle == nil || UInt64(st.st_ino) != inode {
            try? handle?.close()
            handle = FileHandle(forReadingAtPath: path)
            guard handle != nil else { lastError = "cannot open \(path)"; return ([], false) }
            restarted = inode != 0
            inode = UInt64(st.st_ino)
            offset = 0
        } else if UInt64(st.st_size) < offset {
            restarted = true
            offset = 0
        }
        lastError = nil
        guard let h = handle, UInt64(st.st_size) > offset else { return ([], restarted) }
        do {
            try h.seek(toOffset: offset)
            let data = try h.read(upToCount: Int(min(UInt64(st.st_size) - offset, 16 << 20))) ?? Data()
            offset += UInt64(data.count)
            return (Array(data), restarted)
        } catch {
            lastError = "cannot read \(path): \(error)"
            return ([], restarted)
        }
    }
}

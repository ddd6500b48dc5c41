import Foundation

/// Reads a file as it grows, like `tail -F`: from the start, then whatever is appended; when
/// the file is truncated it starts over, and when it is replaced (rotated: a new inode at the
/// path) it first reads what the writer added to the old file after the last poll, then
/// opens the new one.
public final class FollowedFile {
    public let path: String
    private var handle: FileHandle?
    private var inode: UInt64 = 0
    private var offset: UInt64 = 0
    public private(set) var lastError: String?

    public init(path: String) { self.path = path }

    deinit { try? handle?.close() }

    public struct Poll {
        /// The end of the file that was rotated away, read before `restarted` takes effect.
        public var oldTail: [UInt8] = []
        public var restarted = false
        public var bytes: [UInt8] = []
    }

    /// New bytes since the last call, and whether the file was truncated or rotated meanwhile.
    public func poll() -> Poll {
        var st = stat()
        guard stat(path, &st) == 0 else {
            lastError = "cannot open \(path): \(String(cString: strerror(errno)))"
            return Poll()
        }
        var result = Poll()
        if handle == nil || UInt64(st.st_ino) != inode {
            if let old = handle {
                // The old file is still readable through our handle after the rename.
                try? old.seek(toOffset: offset)
                result.oldTail = Array((try? old.read(upToCount: 64 << 20)) ?? Data())
            }
            try? handle?.close()
            handle = FileHandle(forReadingAtPath: path)
            guard handle != nil else { lastError = "cannot open \(path)"; return result }
            result.restarted = inode != 0
            inode = UInt64(st.st_ino)
            offset = 0
        } else if UInt64(st.st_size) < offset {
            result.restarted = true
            offset = 0
        }
        lastError = nil
        guard let h = handle, UInt64(st.st_size) > offset else { return result }
        do {
            try h.seek(toOffset: offset)
            let data = try h.read(upToCount: Int(min(UInt64(st.st_size) - offset, 16 << 20))) ?? Data()
            offset += UInt64(data.count)
            result.bytes = Array(data)
        } catch {
            lastError = "cannot read \(path): \(error)"
        }
        return result
    }
}

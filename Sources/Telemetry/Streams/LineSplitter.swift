/// Cuts a byte stream into lines, keeping an incomplete last line until the rest arrives, and
/// refusing lines longer than `maxLine` (an endless line is an attack or a bug, not data).
public struct LineSplitter: Sendable {
    public let maxLine: Int
    private var pending: [UInt8] = []
    private var discarding = false

    public init(maxLine: Int = 1 << 20) { self.maxLine = maxLine }

    public enum Piece: Equatable, Sendable { case line(String), tooLong }

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Piece] {
        var out: [Piece] = []
        for b in bytes {
            if b == 0x0A {
                if discarding { discarding = false }
                else {
                    if pending.last == 0x0D { pending.removeLast() }
                    out.append(.line(String(decoding: pending, as: UTF8.self)))
                }
                pending.removeAll(keepingCapacity: true)
                continue
            }
            if discarding { continue }
            pending.append(b)
            if pending.count > maxLine {
                out.append(.tooLong)
                pending.removeAll()
                discarding = true
            }
        }
        return out
    }

    /// Forgets a partial line (the file was truncated or rotated under it).
    public mutating func reset() {
        pending.removeAll()
        discarding = false
    }
}

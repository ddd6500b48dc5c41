import CZlib
import Foundation

/// A gzip stream written in pieces, each flushed (Z_SYNC_FLUSH) so that a file cut short by
/// `kill -9` or a full disk still decompresses up to its last flushed line.
final class GzipWriter {
    private var stream = z_stream()
    private var open = false

    init(level: Int32 = 6) throws {
        guard fd_deflate_init_gzip(&stream, level) == Z_OK else { throw RecordingError.io("cannot start gzip compression") }
        open = true
    }

    deinit { if open { deflateEnd(&stream) } }

    /// Compressed bytes for `input`, flushed to a byte boundary; `finish` ends the stream.
    func compress(_ input: [UInt8], finish: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var inputCopy = input
        inputCopy.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    _ = deflate(&stream, finish ? Z_FINISH : Z_SYNC_FLUSH)
                    out.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
            } while stream.avail_out == 0
        }
        if finish {
            deflateEnd(&stream)
            open = false
        }
        return out
    }
}

enum Gzip {
    static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// How far a recording may inflate: 200 times its compressed size (real recordings
    /// compress 10 to 30 times; DEFLATE can reach 1,000, as a file of blank lines does), and
    /// never less than 256 MiB.
    static func inflationLimit(compressed: Int) -> Int { max(256 << 20, compressed.multipliedReportingOverflow(by: 200).partialValue) }

    /// Thrown when a stream inflates past its limit: nothing of it is kept.
    struct TooLarge: Error { let limit: Int }

    /// Everything that decompresses; `complete` is false when the stream stops early
    /// (a file cut short) or is damaged after some point. Past `limit` bytes it throws.
    static func decompress(_ input: [UInt8], limit: Int = .max) throws -> (bytes: [UInt8], complete: Bool) {
        var stream = z_stream()
        guard fd_inflate_init_auto(&stream) == Z_OK else { return ([], false) }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        out.reserveCapacity(min(limit, input.count * 6))
        var tooLarge = false
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var status = Z_OK
        var inputCopy = input
        inputCopy.withUnsafeMutableBufferPointer { inBuf in
            guard let base = inBuf.baseAddress else { return }
            // zlib counts input in 32 bits: a file past 4 GiB goes in by pieces.
            var fed = 0
            var unread: Int { Int(stream.avail_in) + inBuf.count - fed }
            while true {
                if stream.avail_in == 0, fed < inBuf.count {
                    let n = min(inBuf.count - fed, Int(UInt32.max))
                    stream.next_in = base + fed
                    stream.avail_in = uInt(n)
                    fed += n
                }
                var produced = 0
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    produced = outBuf.count - Int(stream.avail_out)
                    if out.count + produced > limit { tooLarge = true } else { out.append(contentsOf: outBuf[0..<produced]) }
                }
                if tooLarge { break }
                if status == Z_STREAM_END {
                    // Concatenated members (gzip allows them): carry on with the next.
                    if unread > 0 && inflateReset(&stream) == Z_OK { continue }
                    break
                }
                if status != Z_OK || (produced == 0 && unread == 0) { break }
            }
        }
        if tooLarge { throw TooLarge(limit: limit) }
        return (out, status == Z_STREAM_END)
    }
}

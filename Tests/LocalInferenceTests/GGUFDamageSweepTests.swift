import Foundation
import LocalInference
import Testing

/// Prefixes of a valid file, and a sweep of single-byte corruptions of its header, must
/// load or be refused with an error: never crash, whatever byte the damage lands on.
@Suite struct GGUFDamageSweepTests {
    @Test func prefixesOfTheHeaderAreRefused() throws {
        let layout = GGUFErrorTests.validModel().encode()
        let directory = try TemporaryDirectory()
        // The header and tensor table byte by byte for the first 512 bytes (magic, counts, the
        // metadata), every 5th byte after; then the data every 997 bytes. Kept to a few seconds:
        // a long synchronous test holds one of the two threads Swift's concurrency has here.
        let header = Array(0..<min(512, layout.dataSectionStart)) + Array(stride(from: 512, to: layout.dataSectionStart, by: 5))
        let cuts = header + Array(stride(from: layout.dataSectionStart, to: layout.bytes.count, by: 997))
        var refused = 0
        for cut in cuts {
            let path = try directory.write(Array(layout.bytes[..<cut]), named: "cut.gguf")
            do {
                _ = try LlamaModel(file: GGUFFile(path: path))
            } catch {
                refused += 1
            }
        }
        #expect(refused == cuts.count)
    }

    @Test func corruptHeaderBytesAreRefusedOrHarmless() throws {
        let layout = GGUFErrorTests.validModel().encode()
        let directory = try TemporaryDirectory()
        var rng = SplitMix64(seed: 77)
        var loaded = 0, refused = 0
        let offsets = Array(stride(from: 0, to: layout.dataSectionStart, by: 3))
        for offset in offsets {
            var bytes = layout.bytes
            bytes[offset] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            let path = try directory.write(bytes, named: "corrupt.gguf")
            do {
                let file = try GGUFFile(path: path)
                let model = try LlamaModel(file: file)
                // Loaded despite the damage (a byte of a name or a value): it must still run.
                let context = LlamaContext(model: model, capacity: 8, runner: ParallelRunner(threads: 1))
                _ = try model.evaluate([0, 1], in: context)
                loaded += 1
            } catch {
                refused += 1
            }
        }
        #expect(loaded + refused == offsets.count)
        #expect(refused > offsets.count / 4)
    }
}

import Foundation
import LocalInference
import Testing

/// The writer is the yardstick for the loader, so its own reading of the format is pinned here
/// against bytes worked out by hand from the spec, not against itself.
@Suite struct GGUFTestWriterTests {
    @Test func theHeaderAndAMetadataEntryAreLaidOutAsTheSpecSays() {
        var writer = GGUFTestWriter()
        writer.addMetadata("ab", .string("xyz"))
        let bytes = writer.encode().bytes
        let expected: [UInt8] = Array("GGUF".utf8)
            + [3, 0, 0, 0]                      // version
            + [0, 0, 0, 0, 0, 0, 0, 0]          // tensor count
            + [1, 0, 0, 0, 0, 0, 0, 0]          // metadata count
            + [2, 0, 0, 0, 0, 0, 0, 0] + Array("ab".utf8)
            + [8, 0, 0, 0]                      // STRING
            + [3, 0, 0, 0, 0, 0, 0, 0] + Array("xyz".utf8)
        #expect(Array(bytes.prefix(expected.count)) == expected)
        #expect(bytes.count == 64)              // 49 bytes padded to the default alignment
    }

    @Test func q4_0KeepsTheFirstHalfInTheLowNibbles() {
        // d = -4 / -8 = 0.5, so value = (nibble - 8) * 0.5 and every value below is exact.
        var values = [Float](repeating: 0, count: 32)
        values[0] = -4      // nibble 0
        values[16] = 3.5    // nibble 15
        values[1] = 0       // nibble 8
        values[17] = -3.5   // nibble 1
        let bytes = GGUFTestWriter.encode(values, as: .q4_0)
        #expect(bytes == [0x00, 0x38, 0xF0, 0x18] + Array(repeating: 0x88, count: 14))
        #expect(GGUFTestWriter.decode(bytes, as: .q4_0, count: 32) == values)
    }

    @Test func q4_1StoresScaleThenMinimum() {
        // d = (14 - -1) / 15 = 1, m = -1, so value = nibble - 1.
        var values = [Float](repeating: -1, count: 32)
        values[16] = 14
        values[3] = 2
        let bytes = GGUFTestWriter.encode(values, as: .q4_1)
        #expect(Array(bytes[0..<4]) == [0x00, 0x3C, 0x00, 0xBC])
        #expect(bytes[4] == 0xF0)               // element 0 low, element 16 high
        #expect(bytes[7] == 0x03)
        #expect(GGUFTestWriter.decode(bytes, as: .q4_1, count: 32) == values)
    }

    @Test func q8_0StoresScaleThenSignedBytes() {
        let values = (0..<32).map { Float($0 * 8 - 127) }   // amax 127, so d = 1
        let bytes = GGUFTestWriter.encode(values, as: .q8_0)
        #expect(Array(bytes[0..<2]) == [0x00, 0x3C])
        #expect(bytes[2...].map { Int8(bitPattern: $0) } == values.map { Int8($0) })
        #expect(GGUFTestWriter.decode(bytes, as: .q8_0, count: 32) == values)
    }

    @Test(arguments: GGUFTestWriter.TensorType.allCases)
    func randomValuesSurviveWithinTheTypesPrecision(_ type: GGUFTestWriter.TensorType) {
        var rng = SplitMix64(seed: 42)
        let values = rng.uniform(count: 64 * 3, scale: 1)
        let decoded = GGUFTestWriter.decode(GGUFTestWriter.encode(values, as: type), as: type, count: values.count)
        let worst = zip(values, decoded).map { abs($0 - $1) }.max()!
        // Half a step of each type at scale 1 (a whole step for Q4_0, whose clamped side has one
        // level fewer), plus the Float16 rounding of the scale times the largest level.
        let bound: Float = switch type {
        case .f32: 0
        case .f16: 1e-3
        case .q8_0: 1.0 / 127 * 0.57
        case .q4_0: 1.0 / 8 * 1.01
        case .q4_1: 2.0 / 15 * 0.53
        }
        #expect(worst <= bound, "\(type): \(worst)")
    }

    @Test func everyTensorStartsOnTheAlignment() {
        for alignment in [nil, 64] {
            let writer = TinyLlama.writer(type: .q4_0, alignment: alignment, seed: 1)
            let layout = writer.encode()
            let a = alignment ?? 32
            #expect(writer.alignment == a)
            #expect(layout.dataSectionStart % a == 0)
            #expect(layout.tensorDataRanges.values.allSatisfy { ($0.lowerBound - layout.dataSectionStart) % a == 0 })
            #expect(layout.bytes.count % a == 0)
            // The offset field (the entry's last 8 bytes) is relative to the data section.
            for t in writer.tensors {
                let field = layout.tensorInfoRanges[t.name]!.upperBound - 8
                let offset = layout.bytes[field..<(field + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
                #expect(layout.dataSectionStart + offset == layout.tensorDataRanges[t.name]!.lowerBound)
            }
        }
    }
}

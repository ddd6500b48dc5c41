import Foundation
import LocalInference

/// Builds GGUF v3 files for tests, written from the format description rather than from the
/// loader's code, so a misreading of the format on either side shows up as a failure instead of
/// cancelling out.
///
/// Typical use:
///
///     var writer = GGUFTestWriter()
///     writer.addMetadata("general.architecture", .string("llama"))
///     writer.addTensor(name: "output_norm.weight", type: .f32, dims: [64], values: norm)
///     let layout = try writer.write(to: url)
///
/// Matrices follow ggml's convention: `dims[0]` is the contiguous dimension, so a linear layer
/// with K inputs and N outputs has `dims: [K, N]` and `values[r * K ..< (r + 1) * K]` is output
/// row r. Quantized types group 32 consecutive values along `dims[0]` into one block, which is
/// why `dims[0]` must be a multiple of 32 for them.
///
/// `values(of:)` decodes a tensor back from the bytes that will be written, so a reference
/// computation sees exactly the (quantized) numbers the loader will see.
struct GGUFTestWriter {
    /// The ggml tensor types the writer can encode. Other type codes can still be written as
    /// opaque bytes with `addRawTensor`, which is how the error tests produce unsupported types.
    enum TensorType: UInt32, CaseIterable, Sendable {
        case f32 = 0
        case f16 = 1
        case q4_0 = 2
        case q4_1 = 3
        case q8_0 = 8

        /// Values per block along dims[0].
        var blockLength: Int {
            switch self {
            case .f32, .f16: 1
            case .q4_0, .q4_1, .q8_0: 32
            }
        }

        var bytesPerBlock: Int {
            switch self {
            case .f32: 4
            case .f16: 2
            case .q4_0: 18   // f16 d + 16 bytes of nibbles
            case .q4_1: 20   // f16 d + f16 m + 16 bytes of nibbles
            case .q8_0: 34   // f16 d + 32 signed bytes
            }
        }
    }

    /// GGUF metadata value type codes.
    enum ValueType: UInt32, Sendable {
        case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
        case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12
    }

    indirect enum Value: Sendable {
        case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
        case uint32(UInt32), int32(Int32), float32(Float), bool(Bool), string(String)
        /// Every element must be of `elementType`; the writer checks, since a mismatch would
        /// silently produce a file that no reader can parse.
        case array(ValueType, [Value])
        case uint64(UInt64), int64(Int64), float64(Double)

        var type: ValueType {
            switch self {
            case .uint8: .uint8
            case .int8: .int8
            case .uint16: .uint16
            case .int16: .int16
            case .uint32: .uint32
            case .int32: .int32
            case .float32: .float32
            case .bool: .bool
            case .string: .string
            case .array: .array
            case .uint64: .uint64
            case .int64: .int64
            case .float64: .float64
            }
        }
    }

    struct Tensor {
        var name: String
        var typeCode: UInt32
        var dims: [Int]
        var data: [UInt8]
    }

    /// Where things landed in the encoded file, for tests that cut or patch it at a precise spot.
    /// All offsets are absolute byte offsets in the file.
    struct Layout {
        var bytes: [UInt8]
        /// Byte range of each tensor's entry in the tensor-info table (name through offset).
        var tensorInfoRanges: [String: Range<Int>]
        /// Start of the tensor data section (after the alignment padding).
        var dataSectionStart: Int
        /// Byte range of each tensor's data.
        var tensorDataRanges: [String: Range<Int>]
    }

    /// Written into the header. Only for tests of version handling; the encoding is always v3's.
    var version: UInt32 = 3
    private(set) var metadata: [(key: String, value: Value)] = []
    private(set) var tensors: [Tensor] = []

    init() {}

    /// The data alignment a reader must assume: `general.alignment` when present, else 32 as
    /// the spec says.
    var alignment: Int {
        if let value = metadata.first(where: { $0.key == "general.alignment" })?.value,
           case .uint32(let a) = value {
            return Int(a)
        }
        return 32
    }

    /// Adds a key, or replaces its value in place when already present: a GGUF file must not
    /// hold a key twice, and tests that tweak one key of a valid model want to keep the rest.
    mutating func addMetadata(_ key: String, _ value: Value) {
        if case .array(let elementType, let elements) = value {
            precondition(elements.allSatisfy { $0.type == elementType }, "mixed array for \(key)")
        }
        if let i = metadata.firstIndex(where: { $0.key == key }) {
            metadata[i].value = value
        } else {
            metadata.append((key, value))
        }
    }

    mutating func removeMetadata(_ key: String) {
        metadata.removeAll { $0.key == key }
    }

    /// Encodes `values` (output rows contiguous, see the type's comment) in `type`.
    mutating func addTensor(name: String, type: TensorType, dims: [Int], values: [Float]) {
        precondition(!dims.isEmpty && dims.allSatisfy { $0 > 0 }, "bad dims for \(name)")
        precondition(dims.reduce(1, *) == values.count, "\(name): \(values.count) values for dims \(dims)")
        precondition(dims[0] % type.blockLength == 0, "\(name): dims[0] must be a multiple of \(type.blockLength)")
        addRawTensor(name: name, typeCode: type.rawValue, dims: dims, data: Self.encode(values, as: type))
    }

    /// Adds a tensor whose bytes the caller supplies as is, e.g. an unsupported type or a wrong size.
    mutating func addRawTensor(name: String, typeCode: UInt32, dims: [Int], data: [UInt8]) {
        precondition(!tensors.contains { $0.name == name }, "tensor \(name) added twice")
        tensors.append(Tensor(name: name, typeCode: typeCode, dims: dims, data: data))
    }

    mutating func removeTensor(_ name: String) {
        tensors.removeAll { $0.name == name }
    }

    func tensor(_ name: String) -> Tensor? {
        tensors.first { $0.name == name }
    }

    /// The tensor's values as a reader decodes them from the stored bytes.
    func values(of name: String) -> [Float] {
        guard let t = tensor(name), let type = TensorType(rawValue: t.typeCode) else {
            preconditionFailure("no decodable tensor \(name)")
        }
        return Self.decode(t.data, as: type, count: t.dims.reduce(1, *))
    }

    // MARK: - File encoding

    func encode() -> Layout {
        var out = TestByteWriter()
        out.append(Array("GGUF".utf8))
        out.append(version)
        out.append(UInt64(tensors.count))
        out.append(UInt64(metadata.count))
        for (key, value) in metadata {
            out.appendString(key)
            out.append(value.type.rawValue)
            out.appendValue(value)
        }

        // Offsets inside the data section are assigned in file order, each rounded up to the
        // alignment, mirroring what llama.cpp's and gguf-py's writers do.
        let align = alignment
        var relativeOffsets: [Int] = []
        var cursor = 0
        for t in tensors {
            cursor = Self.roundUp(cursor, to: align)
            relativeOffsets.append(cursor)
            cursor += t.data.count
        }

        var infoRanges: [String: Range<Int>] = [:]
        for (t, offset) in zip(tensors, relativeOffsets) {
            let start = out.bytes.count
            out.appendString(t.name)
            out.append(UInt32(t.dims.count))
            for d in t.dims { out.append(UInt64(d)) }
            out.append(t.typeCode)
            out.append(UInt64(offset))
            infoRanges[t.name] = start..<out.bytes.count
        }

        out.padTo(multipleOf: align)
        let dataStart = out.bytes.count
        var dataRanges: [String: Range<Int>] = [:]
        for (t, offset) in zip(tensors, relativeOffsets) {
            out.padTo(multipleOf: align)
            precondition(out.bytes.count == dataStart + offset)
            dataRanges[t.name] = out.bytes.count..<(out.bytes.count + t.data.count)
            out.append(t.data)
        }
        // Real writers pad the tail too; a reader must not care either way.
        out.padTo(multipleOf: align)

        return Layout(bytes: out.bytes, tensorInfoRanges: infoRanges,
                      dataSectionStart: dataStart, tensorDataRanges: dataRanges)
    }

    @discardableResult
    func write(to url: URL) throws -> Layout {
        let layout = encode()
        try Data(layout.bytes).write(to: url)
        return layout
    }

    static func roundUp(_ n: Int, to alignment: Int) -> Int {
        (n + alignment - 1) / alignment * alignment
    }

    // MARK: - Quantization

    static func encode(_ values: [Float], as type: TensorType) -> [UInt8] {
        var out = TestByteWriter()
        switch type {
        case .f32:
            for v in values { out.append(v.bitPattern) }
        case .f16:
            for v in values { out.append(Float16(v).bitPattern) }
        case .q8_0:
            for block in blocks(of: values) {
                let amax = block.map(abs).max()!
                let d = amax / 127
                let id: Float = d == 0 ? 0 : 1 / d
                out.append(Float16(d).bitPattern)
                for v in block { out.bytes.append(UInt8(bitPattern: Int8((v * id).rounded()))) }
            }
        case .q4_0:
            // As ggml does: the value of largest magnitude maps to nibble 0 (-8), which buys one
            // extra level on that side.
            for block in blocks(of: values) {
                let extreme = block.max { abs($0) < abs($1) }!
                let d = extreme / -8
                let id: Float = d == 0 ? 0 : 1 / d
                let nibbles = block.map { UInt8(min(15, max(0, ($0 * id + 8.5).rounded(.down)))) }
                out.append(Float16(d).bitPattern)
                out.append(packNibbles(nibbles))
            }
        case .q4_1:
            for block in blocks(of: values) {
                let lo = block.min()!, hi = block.max()!
                let d = (hi - lo) / 15
                let id: Float = d == 0 ? 0 : 1 / d
                let nibbles = block.map { UInt8(min(15, max(0, (($0 - lo) * id + 0.5).rounded(.down)))) }
                out.append(Float16(d).bitPattern)
                out.append(Float16(lo).bitPattern)
                out.append(packNibbles(nibbles))
            }
        }
        return out.bytes
    }

    /// Decodes straight from the spec's block layouts; deliberately shares nothing with `encode`.
    static func decode(_ bytes: [UInt8], as type: TensorType, count: Int) -> [Float] {
        precondition(bytes.count == count / type.blockLength * type.bytesPerBlock, "size mismatch")
        var reader = TestByteReader(bytes: bytes)
        var out: [Float] = []
        out.reserveCapacity(count)
        switch type {
        case .f32:
            for _ in 0..<count { out.append(Float(bitPattern: reader.uint32())) }
        case .f16:
            for _ in 0..<count { out.append(Float(Float16(bitPattern: reader.uint16()))) }
        case .q8_0:
            for _ in 0..<(count / 32) {
                let d = Float(Float16(bitPattern: reader.uint16()))
                for _ in 0..<32 { out.append(Float(Int8(bitPattern: reader.uint8())) * d) }
            }
        case .q4_0, .q4_1:
            for _ in 0..<(count / 32) {
                let d = Float(Float16(bitPattern: reader.uint16()))
                let m = type == .q4_1 ? Float(Float16(bitPattern: reader.uint16())) : 0
                let qs = (0..<16).map { _ in reader.uint8() }
                // Elements 0..<16 live in the low nibbles, 16..<32 in the high ones.
                let nibbles = qs.map { $0 & 0x0F } + qs.map { $0 >> 4 }
                for q in nibbles {
                    out.append(type == .q4_0 ? (Float(q) - 8) * d : Float(q) * d + m)
                }
            }
        }
        return out
    }

    private static func blocks(of values: [Float]) -> [ArraySlice<Float>] {
        stride(from: 0, to: values.count, by: 32).map { values[$0..<($0 + 32)] }
    }

    private static func packNibbles(_ nibbles: [UInt8]) -> [UInt8] {
        (0..<16).map { nibbles[$0] | (nibbles[$0 + 16] << 4) }
    }
}

/// Little-endian byte assembly.
struct TestByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendString(_ s: String) {
        let utf8 = Array(s.utf8)
        append(UInt64(utf8.count))
        append(utf8)
    }

    mutating func appendValue(_ value: GGUFTestWriter.Value) {
        switch value {
        case .uint8(let v): append(v)
        case .int8(let v): append(v)
        case .uint16(let v): append(v)
        case .int16(let v): append(v)
        case .uint32(let v): append(v)
        case .int32(let v): append(v)
        case .float32(let v): append(v.bitPattern)
        case .bool(let v): append(UInt8(v ? 1 : 0))
        case .string(let v): appendString(v)
        case .array(let elementType, let elements):
            append(elementType.rawValue)
            append(UInt64(elements.count))
            for e in elements { appendValue(e) }
        case .uint64(let v): append(v)
        case .int64(let v): append(v)
        case .float64(let v): append(v.bitPattern)
        }
    }

    mutating func padTo(multipleOf alignment: Int) {
        bytes.append(contentsOf: repeatElement(0, count: GGUFTestWriter.roundUp(bytes.count, to: alignment) - bytes.count))
    }
}

/// Little-endian reads for the decoder; traps past the end, which in a test means a writer bug.
struct TestByteReader {
    let bytes: [UInt8]
    var position = 0

    mutating func uint8() -> UInt8 {
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uint16() -> UInt16 {
        UInt16(uint8()) | UInt16(uint8()) << 8
    }

    mutating func uint32() -> UInt32 {
        UInt32(uint16()) | UInt32(uint16()) << 16
    }
}

/// LocalInference's SplitMix64 (seedable and identical on every platform, so a failing model
/// can be rebuilt bit for bit from its seed), with the draws the tests' weights need.
extension SplitMix64 {
    /// Uniform in [-scale, scale), from the top 24 bits so every value is exact in Float.
    mutating func uniform(_ scale: Float) -> Float {
        (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale
    }

    mutating func uniform(count: Int, scale: Float, around center: Float = 0) -> [Float] {
        (0..<count).map { _ in center + uniform(scale) }
    }
}

/// A fresh directory under the system temporary directory, removed when the last reference goes
/// away, so a test that throws half way leaves nothing behind.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fleetdeck-localinference-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` to a file named `name` in the directory and returns its path.
    func write(_ bytes: [UInt8], named name: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }
}

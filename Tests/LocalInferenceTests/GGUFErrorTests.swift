import Foundation
import LocalInference
import Testing

/// Files a user may well point the loader at by mistake, damaged in transit, or made for another
/// runtime. Each must be refused with a thrown error that says where or what, never a crash or a
/// read past the end of the mapping.
@Suite struct GGUFErrorTests {
    /// The description of the error opening and loading `bytes` throws, nil when it loads.
    /// Both steps are tried because which one notices is the module's business. The temporary
    /// path is replaced by its last component: the UUID in it is full of digits that could pass
    /// for the offset a test looks for.
    static func rejection(of bytes: [UInt8]) throws -> String? {
        let directory = try TemporaryDirectory()
        let path = try directory.write(bytes, named: "bad.gguf")
        do {
            let file = try GGUFFile(path: path)
            _ = try LlamaModel(file: file)
            return nil
        } catch {
            return String(describing: error).replacingOccurrences(of: path, with: "bad.gguf")
        }
    }

    static func validModel(type: GGUFTestWriter.TensorType = .q8_0) -> GGUFTestWriter {
        TinyLlama.writer(type: type, seed: 11)
    }

    /// Integers written in `text`, decimal or 0x-hex, for checking that a message names an offset.
    static func integers(in text: String) -> [Int] {
        let pattern = try! Regex("0[xX][0-9a-fA-F]+|[0-9]+")
        return text.matches(of: pattern).compactMap { match in
            let s = text[match.range]
            return s.lowercased().hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : Int(s)
        }
    }

    /// True when `text` names `tensor` or gives an offset within any of `ranges`.
    static func pointsAt(_ text: String, tensor: String, offsetsIn ranges: [ClosedRange<Int>]) -> Bool {
        text.contains(tensor) || integers(in: text).contains { n in ranges.contains { $0.contains(n) } }
    }

    // MARK: - Not GGUF at all

    struct NotGGUF: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: [UInt8]

        static let all: [NotGGUF] = {
            var rng = SplitMix64(seed: 99)
            // Starting with 0x00 guarantees the random bytes cannot spell the magic.
            let random = [0] + (0..<4095).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return [
                NotGGUF(testDescription: "empty", bytes: []),
                NotGGUF(testDescription: "hello", bytes: Array("hello\n".utf8)),
                NotGGUF(testDescription: "random bytes", bytes: random),
                NotGGUF(testDescription: "the magic alone", bytes: Array("GGUF".utf8)),
                // The legacy pre-GGUF format, which some old model files still use.
                NotGGUF(testDescription: "GGML magic", bytes: Array("lmgg".utf8) + random),
            ]
        }()
    }

    @Test(arguments: NotGGUF.all)
    func aFileThatIsNotGGUFIsRefused(_ input: NotGGUF) throws {
        #expect(try Self.rejection(of: input.bytes) != nil)
    }

    // MARK: - Truncation

    @Test(arguments: [
        // Cut inside the tensor table, at three depths: in a name, in the dims of a tensor whose
        // name is complete, and in the data offset of the table's last entry.
        ("token_embd.weight", 0.3), ("blk.1.attn_v.weight", 0.55), ("blk.1.ffn_down.weight", 0.95),
    ])
    func aFileCutInTheTensorTableIsRefusedWithWhere(tensor: String, fraction: Double) throws {
        let layout = Self.validModel().encode()
        let info = layout.tensorInfoRanges[tensor]!
        let cut = info.lowerBound + Int(Double(info.count) * fraction)
        #expect(info.contains(cut))
        let description = try #require(try Self.rejection(of: Array(layout.bytes[..<cut])),
                                       "a file cut at byte \(cut) loaded")
        // The message may name the entry, or give any offset within it: where the entry or the
        // failed read starts, or the file's size.
        #expect(Self.pointsAt(description, tensor: tensor, offsetsIn: [info.lowerBound...info.upperBound]),
                "\(description) says neither \(tensor) nor an offset in \(info.lowerBound)...\(info.upperBound)")
    }

    @Test func aFileCutInTheTensorDataIsRefusedNamingTheTensor() throws {
        let writer = Self.validModel()
        let layout = writer.encode()
        // The last tensor, so it is the only one out of range and the message has one answer.
        let tensor = writer.tensors.last!.name
        let data = layout.tensorDataRanges[tensor]!
        let cut = data.lowerBound + data.count / 2
        let description = try #require(try Self.rejection(of: Array(layout.bytes[..<cut])),
                                       "a file cut at byte \(cut) loaded")
        let relative = (data.lowerBound - layout.dataSectionStart)...(data.upperBound - layout.dataSectionStart)
        #expect(Self.pointsAt(description, tensor: tensor, offsetsIn: [data.lowerBound...data.upperBound, relative]),
                "\(description) says neither \(tensor) nor where its data should be")
    }

    /// Header fields that a hostile or corrupt file can set to anything: each must be checked
    /// against the file's size before it sizes an allocation or a loop.
    @Test(arguments: ["tensor count", "metadata count", "key length", "dimension count", "tensor offset", "version"])
    func absurdHeaderValuesAreRefused(_ field: String) throws {
        let writer = Self.validModel()
        var layout = writer.encode()
        func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { layout.bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
        }
        let info = layout.tensorInfoRanges["blk.0.attn_q.weight"]!
        switch field {
        case "tensor count": patch(UInt64(1) << 62, at: 8)
        case "metadata count": patch(UInt64(1) << 62, at: 16)
        case "key length": patch(UInt64(1) << 62, at: 24)   // the first metadata key's length
        case "dimension count": patch(UInt32(1000), at: info.lowerBound + 8 + "blk.0.attn_q.weight".utf8.count)
        case "tensor offset": patch(UInt64.max - 64 + 1, at: info.upperBound - 8)   // aligned, overflows
        case "version": patch(UInt32(4), at: 4)   // a future layout this reader cannot know
        default: Issue.record("unknown field \(field)")
        }
        #expect(try Self.rejection(of: layout.bytes) != nil, "\(field) accepted")
    }

    // MARK: - Valid GGUF, but not something this module runs

    @Test func anotherArchitectureIsRefusedByName() throws {
        // Complete under its own prefix (gpt2.block_count, ...), so the refusal can only come
        // from the architecture itself.
        let writer = TinyLlama.writer(type: .f32, architecture: "gpt2", seed: 12)
        let description = try #require(try Self.rejection(of: writer.encode().bytes), "a gpt2 file loaded")
        #expect(description.contains("gpt2"), "\(description)")
    }

    struct UnsupportedType: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var code: UInt32
        var blockLength: Int
        var bytesPerBlock: Int

        static let all = [
            // Correctly sized data, so only the type itself is wrong.
            UnsupportedType(testDescription: "Q5_0", code: 6, blockLength: 32, bytesPerBlock: 22),
            UnsupportedType(testDescription: "Q5_K", code: 13, blockLength: 256, bytesPerBlock: 176),
            // Not a ggml type at all; the reader cannot even size it.
            UnsupportedType(testDescription: "type 99", code: 99, blockLength: 32, bytesPerBlock: 34),
        ]
    }

    @Test(arguments: UnsupportedType.all)
    func anUnsupportedTensorTypeIsRefusedNamingTheTensor(_ type: UnsupportedType) throws {
        var writer = Self.validModel(type: .f32)
        let tensor = "blk.1.ffn_up.weight"
        let dims = writer.tensor(tensor)!.dims
        let size = dims.reduce(1, *) / type.blockLength * type.bytesPerBlock
        writer.removeTensor(tensor)
        writer.addRawTensor(name: tensor, typeCode: type.code, dims: dims,
                            data: (0..<size).map { UInt8(truncatingIfNeeded: $0) })
        let description = try #require(try Self.rejection(of: writer.encode().bytes),
                                       "\(type.testDescription) on \(tensor) loaded")
        #expect(description.contains(tensor), "\(description)")
    }

    @Test func dimensionsWhoseProductOverflowsAreRefusedNamingTheTensor() throws {
        // Each dimension alone is allowed (under 2^40); together they pass Int's range.
        var writer = Self.validModel(type: .f32)
        let tensor = "blk.1.ffn_up.weight"
        writer.removeTensor(tensor)
        writer.addRawTensor(name: tensor, typeCode: 0, dims: [1 << 30, 1 << 30, 1 << 30], data: [0, 0, 0, 0])
        let description = try #require(try Self.rejection(of: writer.encode().bytes), "absurd dimensions loaded")
        #expect(description.contains(tensor) && description.contains("more bytes than any file holds"), "\(description)")
    }

    // MARK: - Well-formed files that do not describe a complete llama

    @Test func aMissingTensorIsRefusedByName() throws {
        var writer = Self.validModel()
        writer.removeTensor("blk.1.ffn_down.weight")
        let description = try #require(try Self.rejection(of: writer.encode().bytes), "loaded without ffn_down")
        #expect(description.contains("blk.1.ffn_down.weight"), "\(description)")
    }

    @Test func aTensorOfTheWrongShapeIsRefusedByName() throws {
        // K projected to the query width: a file for a model without grouped-query attention
        // paired with metadata that says it has it.
        var writer = Self.validModel(type: .f32)
        let shape = TinyLlamaShape()
        writer.removeTensor("blk.0.attn_k.weight")
        writer.addTensor(name: "blk.0.attn_k.weight", type: .f32, dims: [shape.embedding, shape.embedding],
                         values: Array(repeating: 0.01, count: shape.embedding * shape.embedding))
        let description = try #require(try Self.rejection(of: writer.encode().bytes), "loaded a 64x64 attn_k")
        #expect(description.contains("blk.0.attn_k.weight"), "\(description)")
    }

    @Test func aMissingHyperparameterIsRefusedByName() throws {
        // The head count cannot be inferred from tensor shapes, unlike the embedding length.
        var writer = Self.validModel()
        writer.removeMetadata("llama.attention.head_count")
        let description = try #require(try Self.rejection(of: writer.encode().bytes), "loaded without a head count")
        #expect(description.contains("llama.attention.head_count"), "\(description)")
    }

    @Test(arguments: [("llama.rope.freq_base", Float.nan), ("llama.rope.freq_base", 0), ("llama.rope.freq_base", -10_000),
                      ("llama.attention.layer_norm_rms_epsilon", -1e-5), ("llama.attention.layer_norm_rms_epsilon", .infinity)])
    func aHyperparameterThatLeavesNothingToRunIsRefusedByName(key: String, value: Float) throws {
        var writer = Self.validModel()
        writer.removeMetadata(key)
        writer.addMetadata(key, .float32(value))
        let description = try #require(try Self.rejection(of: writer.encode().bytes), "\(key) = \(value) loaded")
        #expect(description.contains(key) && description.contains("must be a positive number"), "\(description)")
    }
}

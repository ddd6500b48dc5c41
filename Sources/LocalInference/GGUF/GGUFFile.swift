import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One tensor of the tensor table: where its bytes are, in the memory-mapped file.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// ne[0] first: the contiguous dimension. A linear layer's weight is [in, out].
    public let dimensions: [Int]
    public let typeCode: UInt32
    /// Absolute byte offset in the file.
    public let fileOffset: Int

    public var type: GGMLType? { GGMLType(rawValue: typeCode) }

    /// Bytes the tensor takes, when its type is one the runtime knows the layout of; nil too
    /// when its dimensions multiply past `Int` (no file is that large, and the loader refuses it).
    public var byteCount: Int? {
        guard let type, let row = type.rowBytes(elements: dimensions.first ?? 1) else { return nil }
        var bytes = row
        for d in dimensions.dropFirst() {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            bytes = product
        }
        return bytes
    }
}

/// A GGUF file (versions 2 and 3), memory-mapped read-only: the header, every metadata value,
/// the tensor table, and the tensor data left in the mapping so weights are paged in on use and
/// never copied. Every read is bounds-checked; a short or corrupt file is an error that names
/// the byte offset, never a crash.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order (for listings).
    public let metadataKeys: [String]
    public let tensors: [String: GGUFTensorInfo]
    public let tensorNames: [String]
    public let alignment: Int
    public let dataOffset: Int
    public let fileSize: Int
    /// The mapping; immutable after init, so the class can be shared across threads.
    let base: UnsafeRawPointer
    private let mappedLength: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw LocalInferenceError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LocalInferenceError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw LocalInferenceError.cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size >= 4 else {
            throw LocalInferenceError.notGGUF(path: path, magic: size == 0 ? "(empty file)" : "(\(size) bytes)")
        }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw LocalInferenceError.cannotOpen(path: path, reason: "mmap: " + String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(map)
        mappedLength = size
        fileSize = size
        do {
            var r = GGUFByteReader(base: base, size: size, path: path)
            let magic = try r.bytes(4, reading: "the magic bytes")
            guard magic.elementsEqual(Array("GGUF".utf8)) else {
                throw LocalInferenceError.notGGUF(path: path, magic: Self.render(magic))
            }
            version = try r.u32("the version")
            guard version == 2 || version == 3 else { throw LocalInferenceError.unsupportedVersion(path: path, version: version) }
            let tensorCount = try r.count("the tensor count", limit: size / 24)
            let kvCount = try r.count("the metadata count", limit: size / 13)

            var metadata: [String: GGUFValue] = [:]
            var keys: [String] = []
            keys.reserveCapacity(kvCount)
            for i in 0..<kvCount {
                let key = try r.string("the key of metadata entry \(i)")
                let value = try r.value(of: r.u32("the type of metadata \(key)"), key: key, depth: 0)
                metadata[key] = value
                keys.append(key)
            }
            var alignment = 32
            if let a = metadata["general.alignment"] {
                guard let n = a.integer, n > 0, n & (n - 1) == 0 else {
                    throw LocalInferenceError.badMetadata(path: path, key: "general.alignment", reason: "must be a power of two, is \(a.summary)")
                }
                alignment = n
            }

            var infos: [(name: String, dims: [Int], type: UInt32, relative: UInt64, at: Int)] = []
            infos.reserveCapacity(tensorCount)
            for i in 0..<tensorCount {
                let at = r.offset
                let name = try r.string("the name of tensor \(i)")
                let nDims = try r.u32("the dimension count of tensor \(name)")
                guard (1...4).contains(nDims) else {
                    throw LocalInferenceError.malformed(path: path, offset: at, reason: "tensor \(name) has \(nDims) dimensions (1 to 4 allowed)")
                }
                var dims: [Int] = []
                for _ in 0..<nDims {
                    let d = try r.u64("the dimensions of tensor \(name)")
                    guard d > 0, d < 1 << 40 else {
                        throw LocalInferenceError.malformed(path: path, offset: at, reason: "tensor \(name) has a dimension of \(d)")
                    }
                    dims.append(Int(d))
                }
                let type = try r.u32("the type of tensor \(name)")
                let relative = try r.u64("the data offset of tensor \(name)")
                infos.append((name, dims, type, relative, at))
            }
            metadataKeys = keys
            self.metadata = metadata
            self.alignment = alignment
            let dataStart = (r.offset + alignment - 1) / alignment * alignment
            dataOffset = dataStart

            var tensors: [String: GGUFTensorInfo] = [:]
            var names: [String] = []
            for t in infos {
                guard t.relative < UInt64(size) else {
                    throw LocalInferenceError.malformed(path: path, offset: t.at, reason: "tensor \(t.name) has data offset \(t.relative), past the end of the \(size)-byte file")
                }
                guard t.relative % UInt64(alignment) == 0 else {
                    throw LocalInferenceError.malformed(path: path, offset: t.at, reason: "tensor \(t.name) has data offset \(t.relative), not a multiple of the alignment \(alignment)")
                }
                guard tensors[t.name] == nil else {
                    throw LocalInferenceError.malformed(path: path, offset: t.at, reason: "tensor \(t.name) appears twice")
                }
                let info = GGUFTensorInfo(name: t.name, dimensions: t.dims, typeCode: t.type, fileOffset: dataStart + Int(t.relative))
                if info.type?.rowBytes(elements: t.dims[0]) != nil, info.byteCount == nil {
                    throw LocalInferenceError.malformed(path: path, offset: t.at,
                                                        reason: "tensor \(t.name) has dimensions \(t.dims): more bytes than any file holds")
                }
                if let bytes = info.byteCount, bytes > size - info.fileOffset {
                    throw LocalInferenceError.tensorOutOfBounds(path: path, tensor: t.name, offset: info.fileOffset, bytes: bytes, fileSize: size)
                }
                tensors[t.name] = info
                names.append(t.name)
            }
            self.tensors = tensors
            tensorNames = names
        } catch {
            munmap(UnsafeMutableRawPointer(mutating: base), size)
            throw error
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), mappedLength)
    }

    /// A pointer to a tensor's bytes inside the mapping (valid while the file lives).
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        base + tensor.fileOffset
    }

    // MARK: Typed metadata access with errors that name the key

    public func requiredInt(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw LocalInferenceError.missingMetadata(path: path, key: key) }
        guard let n = v.integer else { throw LocalInferenceError.badMetadata(path: path, key: key, reason: "expected an integer, found \(v.summary)") }
        return n
    }

    public func requiredString(_ key: String) throws -> String {
        guard let v = metadata[key] else { throw LocalInferenceError.missingMetadata(path: path, key: key) }
        guard let s = v.string else { throw LocalInferenceError.badMetadata(path: path, key: key, reason: "expected a string, found \(v.summary)") }
        return s
    }

    public func optionalDouble(_ key: String) throws -> Double? {
        guard let v = metadata[key] else { return nil }
        guard let d = v.double else { throw LocalInferenceError.badMetadata(path: path, key: key, reason: "expected a number, found \(v.summary)") }
        return d
    }

    static func render(_ bytes: [UInt8]) -> String {
        bytes.map { (0x20..<0x7f).contains($0) ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined()
    }
}

/// A bounds-checked little-endian cursor over the mapped header.
struct GGUFByteReader {
    let base: UnsafeRawPointer
    let size: Int
    let path: String
    private(set) var offset = 0

    init(base: UnsafeRawPointer, size: Int, path: String) {
        self.base = base
        self.size = size
        self.path = path
    }

    private mutating func take(_ n: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawPointer {
        guard n >= 0, n <= size - offset else { throw LocalInferenceError.truncated(path: path, offset: offset, reading: what()) }
        defer { offset += n }
        return base + offset
    }

    mutating func bytes(_ n: Int, reading what: @autoclosure () -> String) throws -> [UInt8] {
        let p = try take(n, what())
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 { try take(1, what()).load(as: UInt8.self) }
    mutating func u16(_ what: @autoclosure () -> String) throws -> UInt16 { UInt16(littleEndian: try take(2, what()).loadUnaligned(as: UInt16.self)) }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { UInt32(littleEndian: try take(4, what()).loadUnaligned(as: UInt32.self)) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { UInt64(littleEndian: try take(8, what()).loadUnaligned(as: UInt64.self)) }

    /// A 64-bit count, refused when larger than the file could possibly hold (a corrupt count
    /// would otherwise reserve gigabytes before the first read failed).
    mutating func count(_ what: @autoclosure () -> String, limit: Int) throws -> Int {
        let at = offset
        let n = try u64(what())
        guard n <= UInt64(max(limit, 0)) else {
            throw LocalInferenceError.malformed(path: path, offset: at, reason: "\(what()) is \(n), more than the file can hold")
        }
        return Int(n)
    }

    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let n = try count(what(), limit: size - offset)
        let p = try take(n, what())
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    mutating func value(of code: UInt32, key: String, depth: Int) throws -> GGUFValue {
        let at = offset
        guard let type = GGUFValue.TypeCode(rawValue: code) else {
            throw LocalInferenceError.malformed(path: path, offset: at - 4, reason: "metadata \(key) has unknown value type \(code)")
        }
        let what = "the value of metadata \(key)"
        switch type {
        case .uint8: return .uint(UInt64(try u8(what)))
        case .int8: return .int(Int64(Int8(bitPattern: try u8(what))))
        case .uint16: return .uint(UInt64(try u16(what)))
        case .int16: return .int(Int64(Int16(bitPattern: try u16(what))))
        case .uint32: return .uint(UInt64(try u32(what)))
        case .int32: return .int(Int64(Int32(bitPattern: try u32(what))))
        case .uint64: return .uint(try u64(what))
        case .int64: return .int(Int64(bitPattern: try u64(what)))
        case .float32: return .float(Double(Float(bitPattern: try u32(what))))
        case .float64: return .float(Double(bitPattern: try u64(what)))
        case .bool:
            let b = try u8(what)
            guard b <= 1 else { throw LocalInferenceError.malformed(path: path, offset: at, reason: "metadata \(key) is a bool of value \(b)") }
            return .bool(b == 1)
        case .string: return .string(try string(what))
        case .array:
            guard depth < 4 else { throw LocalInferenceError.malformed(path: path, offset: at, reason: "metadata \(key) nests arrays too deeply") }
            let elementType = try u32("the element type of metadata \(key)")
            let n = try count("the length of metadata \(key)", limit: size - offset)
            var values: [GGUFValue] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(try value(of: elementType, key: key, depth: depth + 1)) }
            return .array(values)
        }
    }
}

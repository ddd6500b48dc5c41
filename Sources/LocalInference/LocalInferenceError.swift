import Foundation

/// Everything that can be wrong with a model file or a request to the runtime. Each case names
/// where: the file, the byte offset, the tensor or the metadata key, so an operator can tell a
/// truncated download from an unsupported quantisation without a hex editor.
public enum LocalInferenceError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notGGUF(path: String, magic: String)
    case unsupportedVersion(path: String, version: UInt32)
    case truncated(path: String, offset: Int, reading: String)
    case malformed(path: String, offset: Int, reason: String)
    case missingMetadata(path: String, key: String)
    case badMetadata(path: String, key: String, reason: String)
    case unsupportedArchitecture(path: String, architecture: String)
    case unsupportedTensorType(path: String, tensor: String, type: UInt32)
    case missingTensor(path: String, tensor: String)
    case badTensorShape(path: String, tensor: String, expected: [Int], found: [Int])
    case tensorOutOfBounds(path: String, tensor: String, offset: Int, bytes: Int, fileSize: Int)
    case tokenizer(path: String, reason: String)
    case unsupportedCPU(missing: [String])
    case contextFull(capacity: Int)
    case tokenOutOfRange(token: Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open: \(reason)"
        case let .notGGUF(path, magic):
            return "\(path): not a GGUF file (magic bytes \"\(magic)\", expected \"GGUF\")"
        case let .unsupportedVersion(path, version):
            return "\(path): GGUF version \(version) is not supported (versions 2 and 3 are)"
        case let .truncated(path, offset, reading):
            return "\(path): truncated at byte offset \(offset) while reading \(reading)"
        case let .malformed(path, offset, reason):
            return "\(path): malformed at byte offset \(offset): \(reason)"
        case let .missingMetadata(path, key):
            return "\(path): metadata key \(key) is missing"
        case let .badMetadata(path, key, reason):
            return "\(path): metadata key \(key): \(reason)"
        case let .unsupportedArchitecture(path, architecture):
            return "\(path): architecture \"\(architecture)\" is not supported (only llama is)"
        case let .unsupportedTensorType(path, tensor, type):
            let name = GGMLType(rawValue: type).map { "\($0)" } ?? "type \(type)"
            return "\(path): tensor \(tensor) has tensor type \(name), which is not supported (F32, F16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K are)"
        case let .missingTensor(path, tensor):
            return "\(path): tensor \(tensor) is missing"
        case let .badTensorShape(path, tensor, expected, found):
            return "\(path): tensor \(tensor) has shape \(found), expected \(expected)"
        case let .tensorOutOfBounds(path, tensor, offset, bytes, fileSize):
            return "\(path): tensor \(tensor) at byte offset \(offset) needs \(bytes) bytes, past the end of the \(fileSize)-byte file (truncated?)"
        case let .tokenizer(path, reason):
            return "\(path): tokenizer: \(reason)"
        case let .unsupportedCPU(missing):
            return "this CPU lacks \(missing.joined(separator: ", ")), which the inference kernels are built for"
        case let .contextFull(capacity):
            return "the context is full (\(capacity) tokens)"
        case let .tokenOutOfRange(token, vocabularySize):
            return "token id \(token) is outside the vocabulary (0..<\(vocabularySize))"
        }
    }
}

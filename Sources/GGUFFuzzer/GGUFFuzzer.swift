import Foundation
import FuzzSupport
import LocalInference
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer target for GGUF models (Docs/local-inference.md): the header, metadata and tensor
/// table; then, for what loads, the model's hyperparameters and tensor shapes, the tokenizer,
/// and a short generation. Seeds: sample-data/fuzz/gguf. Its entry point hands the check to
/// FuzzSupport: libFuzzer in a fuzzing build, a replayer of saved inputs otherwise.
///
/// A crash, a sanitizer report or a broken invariant below is a finding; a refused file is the
/// loader doing its job.
func checkOneInput(_ bytes: UnsafeRawBufferPointer) {
    // The loader maps a file: an anonymous in-memory one, rewritten per input.
    let fd = memfd_create("fuzz.gguf", 0)
    guard fd >= 0 else { fatalError("memfd_create: \(errno)") }
    defer { close(fd) }
    var written = 0
    while written < bytes.count {
        let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
        guard n > 0 else { fatalError("write: \(errno)") }
        written += n
    }
    let path = "/proc/self/fd/\(fd)"
    guard let file = try? GGUFFile(path: path) else { return }
    for name in file.tensorNames {
        guard let info = file.tensors[name] else { fatalError("tensor \(name) listed but not indexed") }
        if let bytes = info.byteCount, info.fileOffset + bytes > file.fileSize { fatalError("tensor \(name) runs past the file") }
    }
    for key in file.metadataKeys { _ = file.metadata[key]?.summary }
    let tokenizer = try? BPETokenizer(file: file)
    if let tokenizer {
        let ids = tokenizer.encode("the heat <|im_start|> 日本 🙂  \t\n", addBOS: true)
        _ = tokenizer.decode(ids, special: true)
    }
    guard let model = try? LlamaModel(file: file), let tokenizer else { return }
    let generator = TextGenerator(model: model, tokenizer: tokenizer, contextCapacity: 16, runner: runner)
    _ = try? generator.generate(prompt: "the heat", maxTokens: 3)
}

/// One worker: a fuzzer's inputs come one at a time.
let runner = ParallelRunner(threads: 1)

/// The entry point (see FuzzSupport): libFuzzer in a fuzzing build, a replayer otherwise.
@_cdecl("GGUFFuzzer_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.main(argc, argv, usage: "GGUFFuzzer FILE...", check: checkOneInput)
}

/// glibc declares it only under _GNU_SOURCE, which the Glibc module is not built with.
@_silgen_name("memfd_create")
private func memfd_create(_ name: UnsafePointer<CChar>, _ flags: CUnsignedInt) -> CInt

import Foundation

/// What every libFuzzer target here shares. Built with `-sanitize=fuzzer,address -DFUZZING`,
/// a target hands control to libFuzzer from its entry point; built plainly, it replays saved
/// inputs (crash files, a corpus) through the same checks.
public enum FuzzSupport {
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    #if FUZZING
    /// libFuzzer's driver: parses the fuzzing options in `argv` and calls `callback` per input.
    public static func runLibFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                    _ callback: Callback) -> CInt {
        var count = argc
        var arguments = argv
        return runFuzzerDriver(&count, &arguments, callback)
    }
    #endif

    /// Runs `check` on each file named on the command line, as the fuzzer would on an input.
    public static func replayInputs(usage: String, _ check: (UnsafeRawBufferPointer) -> Void) {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            print(usage)
            return
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); exit(2) }
            data.withUnsafeBytes { check($0) }
            print("\(path): ok")
        }
    }
}

#if FUZZING
/// Only in a `-sanitize=fuzzer` build, which links libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: FuzzSupport.Callback) -> CInt
#endif

import Foundation

/// What every libFuzzer target here shares. A target is one check over an input's bytes
/// and an entry point that hands it to `FuzzSupport.main`. Built with
/// `-sanitize=fuzzer,address -DFUZZING`, that gives control to libFuzzer; built plainly, it
/// replays the saved inputs (crash files, a corpus) named on the command line through the
/// same check.
///
/// A target's entry point is `@_cdecl("TARGET_main")`: the name SwiftPM links an
/// executable's entry point under, so no file needs top-level code or `@main`.
public enum FuzzSupport {
    public typealias Check = (UnsafeRawBufferPointer) -> Void

    /// The target's check, for libFuzzer's C callback, which can capture nothing. Set once,
    /// before any input is run; inputs come one at a time. Unset, it stops the run rather
    /// than let a fuzzer report "nothing found" having checked nothing.
    nonisolated(unsafe) static var check: Check = { _ in fatalError("FuzzSupport.main was not called: no check to run") }

    public static func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                            usage: String, check: @escaping Check) -> CInt {
        Self.check = check
        #if FUZZING
        var count = argc
        var arguments = argv
        return runFuzzerDriver(&count, &arguments) { data, size in
            FuzzSupport.check(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        #else
        return replayInputs(usage: usage)
        #endif
    }

    /// Runs the check on each file named on the command line, as the fuzzer would on an input.
    static func replayInputs(usage: String) -> CInt {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            print("usage: \(usage) (replays saved inputs; Scripts/fuzz fuzzes, see Docs/limits.md)")
            return 0
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); return 2 }
            data.withUnsafeBytes { check($0) }
            print("\(path): ok")
        }
        return 0
    }
}

#if FUZZING
/// libFuzzer's per-input entry, which its runtime refers to by name.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzSupport.check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// Only in a `-sanitize=fuzzer` build, which links libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif

import FleetCore
import Foundation
import FuzzSupport
import Recording

/// libFuzzer target for recordings (Docs/limits.md): open, index, seek and decode whatever
/// the bytes are, plain or gzip. Built with `-sanitize=fuzzer,address -DFUZZING`, libFuzzer
/// supplies `main`; built plainly, `main` below replays saved inputs through the same checks.
///
/// A crash, a sanitizer report or a broken invariant below is a finding; a thrown error is
/// the reader doing its job.
func checkOneInput(_ bytes: UnsafeRawBufferPointer) {
    guard let file = try? RecordingFile(bytes: Array(bytes), path: "fuzz.rec") else { return }
    for (i, f) in file.frames.enumerated() where f.line < 1 {
        fatalError("frame \(i) at line \(f.line)")
    }
    _ = file.marks
    _ = Format.clock(file.start) + Format.clock(file.end)
    let cursor = ReplayCursor(file: file)
    let count = file.frames.count
    for target in [0, count / 2, count - 1, 1, count / 3] where count > 0 {
        cursor.seek(toFrame: target)
        if let s = try? cursor.snapshot() {
            _ = Format.clock(s.timeOfDay) + Format.clock(s.time)
        }
    }
    if count > 0 {
        cursor.seek(toTime: file.end)
        _ = cursor.readableSnapshot(atOrAfter: 0)
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkOneInput(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM links an executable's entry point under this name; hand control to libFuzzer.
@_cdecl("RecordingFuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.runLibFuzzer(argc, argv) { data, size in fuzzOneInput(data, size) }
}
#else
@main
enum ReplayInputs {
    static func main() {
        FuzzSupport.replayInputs(usage: "usage: RecordingFuzzer FILE... (replays inputs; see Docs/limits.md to fuzz)") { checkOneInput($0) }
    }
}
#endif

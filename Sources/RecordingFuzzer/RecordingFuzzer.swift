import FleetCore
import Foundation
import FuzzSupport
import Recording

/// libFuzzer target for recordings (Docs/limits.md): open, index, seek and decode whatever the
/// bytes are, plain or gzip. Its entry point hands the check to FuzzSupport: libFuzzer in a
/// fuzzing build, a replayer of saved inputs otherwise.
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

/// The entry point (see FuzzSupport): libFuzzer in a fuzzing build, a replayer otherwise.
@_cdecl("RecordingFuzzer_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.main(argc, argv, usage: "RecordingFuzzer FILE...", check: checkOneInput)
}

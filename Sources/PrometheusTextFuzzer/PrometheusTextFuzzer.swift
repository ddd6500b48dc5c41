import Foundation
import FuzzSupport
import MetricsFormats

/// libFuzzer target for the wire-format parsers (Docs/telemetry.md, "Fuzzing"). Its entry point
/// hands the check to FuzzSupport: libFuzzer in a fuzzing build, a replayer of saved inputs
/// otherwise.
///
/// A crash, a sanitizer report or a broken invariant below is a finding.
func checkOneInput(_ bytes: UnsafeRawBufferPointer) {
    let lineCount = bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    for format in [PrometheusTextParser.Format.prometheusText, .openMetrics] {
        let exposition = PrometheusTextParser.parse(bytes, format: format)
        for issue in exposition.issues where issue.line < 1 || issue.line > lineCount {
            fatalError("issue at line \(issue.line) outside 1...\(lineCount): \(issue.message)")
        }
        var names = Set<String>()
        for family in exposition.families {
            guard names.insert(family.name).inserted else { fatalError("family \(family.name) twice") }
            for sample in family.samples {
                guard sample.line >= 1, sample.line <= lineCount else { fatalError("sample line \(sample.line) out of range") }
                guard sample.name.utf8.starts(with: family.name.utf8) else { fatalError("\(sample.name) filed under \(family.name)") }
                guard Set(sample.labels.map(\.name)).count == sample.labels.count else { fatalError("duplicate label names kept") }
            }
        }
    }
    _ = RedisInfoParser.parse(String(decoding: bytes, as: UTF8.self))
    _ = try? PrometheusQueryParser.parse(Data(bytes))
}

/// The entry point (see FuzzSupport): libFuzzer in a fuzzing build, a replayer otherwise.
@_cdecl("PrometheusTextFuzzer_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSupport.main(argc, argv, usage: "PrometheusTextFuzzer FILE...", check: checkOneInput)
}

import Foundation
import LocalInference
import Testing

@Suite struct UTF8StreamDecoderTests {
    @Test func aSequenceSplitOverTokensComesOutWhole() {
        var d = UTF8StreamDecoder()
        let bytes = Array("a🙂é".utf8)       // 1 + 4 + 2 bytes
        #expect(d.append(Array(bytes[0..<3])) == "a")        // a, half the emoji
        #expect(d.append(Array(bytes[3..<4])) == "")         // still one byte short
        #expect(d.append(Array(bytes[4..<6])) == "🙂")       // the emoji's last byte, é's first
        #expect(d.append(Array(bytes[6...])) == "é")
        #expect(d.finish() == "")
    }

    @Test func aTruncatedSequenceAtTheEndBecomesAReplacement() {
        var d = UTF8StreamDecoder()
        #expect(d.append([0x61, 0xE6, 0x97]) == "a")
        #expect(d.finish() == "\u{FFFD}")
    }
}

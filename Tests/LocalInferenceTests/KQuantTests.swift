import Foundation
@testable import LocalInference
import Testing

/// Q4_K and Q6_K against values from gguf-py (llama.cpp's own Python reader,
/// `gguf.quants.dequantize`), computed once on one random super-block of each type: an
/// independent implementation of the same layout.
@Suite struct KQuantTests {
    struct Golden: Sendable, CustomTestStringConvertible {
        var type: GGMLType
        var hex: String
        var values: [Float]
        var sum: Double
        var testDescription: String { "\(type)" }
    }

    static let indices = [0, 1, 15, 16, 31, 32, 63, 64, 95, 127, 128, 160, 200, 255]

    static let goldens = [
        Golden(type: .q4_K,
               hex: "1f21251aeeab14cef599cc052535d5cec0ad06783f60ec83760457a17c472a49ed10c2fa0a67ce0d8f02264785762462c423399232b39168ce358d21b527970bb48a4200a5627b0c90b818268101caff5536e4307fa901a76df710c04edc083cbdb5404808b9586fbf8a6343304464f943287f2d2133cee5d95535cc78861fd80e7fa01dd0a174645397c6a0adc1367e",
               values: [-0.1590137481689453, 5.822263717651367, 3.981870651245117, 5.822263717651367, 0.7611827850341797, 5.086095809936523,
                        2.505544662475586, 0.7641677856445312, 2.9646377563476562, 2.085447311401367, 2.5005531311035156,
                        1.7453861236572266, 0.26708030700683594, 4.304924011230469],
               sum: 586.3103103637695),
        Golden(type: .q6_K,
               hex: "ae52de42bfe02d60d4eb35df7d27efb4ee84570a94537557abdc240429c8f1d256dda36a7ace0b3b6f52c0b92ec1fade1d44991aef934e81d625c45d7e25b0b97bc90aee5d4df5882fedc6bf2854ed5093ac7094bb918a7eb9691abb7c51ea0c1881893c8c8f010b4819a6fa32adab870787107d401b287a689d8908e17c48d5668627d881c12605de84079ffaef8f8e13ce8061ad649a7d4c4fb6e12457169968c33f7d2aaac5ba0e567bb1896655866cf122d4d6452390133d4d9e5f8ce57da8254797b4347e9dbb364be6e143853f1f25",
               values: [-24.645263671875, -3.520751953125, -7.04150390625, 22.204742431640625, -10.362213134765625, -14.203033447265625,
                        -18.904037475585938, -15.2032470703125, -3.12066650390625, -21.784652709960938, 28.986190795898438,
                        12.0025634765625, 18.603973388671875, -3.7808074951171875],
               sum: 207.7843780517578),
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test(arguments: goldens)
    func aSuperBlockDequantisesAsGGUFPyDoes(_ g: Golden) {
        let block = Self.bytes(g.hex)
        #expect(block.count == g.type.blockLayout!.bytes)
        var out = [Float](repeating: .nan, count: 256)
        block.withUnsafeBytes { b in out.withUnsafeMutableBufferPointer { QuantizedKernels.dequantize(g.type, b.baseAddress!, count: 256, into: $0.baseAddress!) } }
        for (i, v) in zip(Self.indices, g.values) { #expect(out[i] == v, "value \(i)") }
        #expect(abs(out.reduce(0.0) { $0 + Double($1) } - g.sum) < 1e-3)
    }

    @Test(arguments: goldens)
    func theDotProductMatchesTheDequantisedValues(_ g: Golden) {
        // Two super-blocks in a row, so the kernel's block stride is exercised too.
        let row = Self.bytes(g.hex) + Self.bytes(g.hex).reversed()
        var w = [Float](repeating: 0, count: 512)
        row.withUnsafeBytes { b in w.withUnsafeMutableBufferPointer { QuantizedKernels.dequantize(g.type, b.baseAddress!, count: 512, into: $0.baseAddress!) } }
        let x = (0..<512).map { Float(($0 * 37) % 11) / 7 - 0.6 }
        let dot = row.withUnsafeBytes { b in x.withUnsafeBufferPointer { QuantizedKernels.dot(g.type, b.baseAddress!, $0.baseAddress!, $0.baseAddress!, count: 512) } }
        let expected = zip(w, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(Double(dot) - expected) < 1e-3 * max(1, abs(expected)))
    }
}

import Foundation
import LocalInference
import Testing

/// The GPT-2 split rule, and SmolLM's digits-first variant, on the cases that distinguish a
/// faithful implementation from a plausible one.
@Suite struct PreTokenizerTests {
    let gpt2 = PreTokenizer(kind: .gpt2)
    let smol = PreTokenizer(kind: .individualDigits)

    @Test func wordsKeepTheirLeadingSpace() {
        #expect(gpt2.split("Hello world, again!") == ["Hello", " world", ",", " again", "!"])
    }

    @Test func contractionsSplitOff() {
        #expect(gpt2.split("it's don't we'll") == ["it", "'s", " don", "'t", " we", "'ll"])
    }

    @Test func aRunOfSpacesLeavesItsLastSpaceToTheNextWord() {
        #expect(gpt2.split("a   b") == ["a", "  ", " b"])
        #expect(gpt2.split("a \tb") == ["a", " ", "\t", "b"])
        #expect(gpt2.split("end   ") == ["end", "   "])
        #expect(gpt2.split("x\n\n  y") == ["x", "\n\n ", " y"])
    }

    @Test func punctuationRunsAndNumbers() {
        #expect(gpt2.split("f(x):=42;") == ["f", "(", "x", "):=", "42", ";"])
        #expect(gpt2.split("in 2024") == ["in", " 2024"])
    }

    @Test func smolLMIsolatesEveryDigit() {
        #expect(smol.split("in 2024") == ["in", " ", "2", "0", "2", "4"])
        #expect(smol.split("x1y") == ["x", "1", "y"])
    }

    @Test func lettersOfAnyScriptAreLetters() {
        #expect(gpt2.split("héllo 日本語 мир") == ["héllo", " 日本語", " мир"])
        #expect(gpt2.split("a 🙂b") == ["a", " 🙂", "b"])
    }

    @Test func theSplitLosesNothing() {
        for text in ["  leading", "tabs\t\tand\nnewlines\r\n", "'quoted'", "😀😀 ok", "", " ", "123abc"] {
            #expect(gpt2.split(text).joined() == text)
            #expect(smol.split(text).joined() == text)
        }
    }

    @Test func knownNamesMapToTheRule() {
        #expect(PreTokenizer(ggmlName: "smollm")?.kind == .individualDigits)
        #expect(PreTokenizer(ggmlName: "gpt-2")?.kind == .gpt2)
        #expect(PreTokenizer(ggmlName: "llama-bpe") == nil)
    }
}

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

@Suite struct TokenSamplerTests {
    let logits: [Float] = [0.1, 2.0, -1.0, 1.9, 0.5]

    @Test func greedyTakesTheLargest() {
        var s = TokenSampler(.greedy)
        #expect(s.sample(logits) == 1)
    }

    @Test func topKOfOneIsGreedyAtAnyTemperature() {
        var s = TokenSampler(SamplingParameters(temperature: 5, topK: 1, topP: 1, seed: 9))
        for _ in 0..<20 { #expect(s.sample(logits) == 1) }
    }

    @Test func theSameSeedDrawsTheSameTokens() {
        var a = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: 42))
        var b = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: 42))
        let drawsA = (0..<50).map { _ in a.sample(logits) }
        #expect(drawsA == (0..<50).map { _ in b.sample(logits) })
        // And a high temperature really samples: more than one distinct token in 50 draws.
        #expect(Set(drawsA).count > 1)
    }

    @Test func topPKeepsOnlyTheNucleus() {
        // Tokens 1 and 3 hold ~0.66 of the mass at temperature 1; top-p 0.6 keeps them alone.
        var s = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 0.6, seed: 3))
        for _ in 0..<100 { #expect([1, 3].contains(s.sample(logits))) }
    }

    @Test func frequenciesFollowTheSoftmax() {
        var s = TokenSampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: 11))
        var counts = [Int](repeating: 0, count: logits.count)
        let n = 20_000
        for _ in 0..<n { counts[Int(s.sample(logits))] += 1 }
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        for (i, l) in logits.enumerated() {
            #expect(abs(Double(counts[i]) / Double(n) - exp(Double(l)) / z) < 0.015)
        }
    }
}

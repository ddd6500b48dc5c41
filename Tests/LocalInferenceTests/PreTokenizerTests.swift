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

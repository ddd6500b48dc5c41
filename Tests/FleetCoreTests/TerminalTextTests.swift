import Testing
@testable import FleetCore

@Suite struct TerminalTextTests {
    @Test func escapeSequencesCannotReachTheTerminal() {
        let hostile = "pod\u{1B}[2J\u{1B}]0;pwned\u{07}x\u{9B}31m"
        let clean = TerminalText.sanitized(hostile)
        #expect(!clean.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(clean.hasPrefix("pod\u{FFFD}[2J"))
    }

    @Test func bidiOverridesAreReplaced() {
        let clean = TerminalText.sanitized("gpu\u{202E}0-edon")
        #expect(!clean.unicodeScalars.contains { $0.value == 0x202E })
    }

    @Test func whitespaceControlsBecomeSpaces() {
        #expect(TerminalText.sanitized("a\tb\nc") == "a b c")
    }

    @Test func safeTextIsReturnedUnchanged() {
        let s = "chat-70b-blue-07 · llama ✓ 日本"
        #expect(TerminalText.sanitized(s) == s)
    }

    @Test func widthCountsWideAndCombiningCharacters() {
        #expect(TerminalText.width("abc") == 3)
        #expect(TerminalText.width("日本") == 4)
        #expect(TerminalText.width("🚀") == 2)
        #expect(TerminalText.width("e\u{301}") == 1)
    }

    @Test func truncationRespectsColumnsAndWideCharacters() {
        #expect(TerminalText.truncated("chat-70b-blue", to: 8) == "chat-70…")
        #expect(TerminalText.truncated("short", to: 8) == "short")
        #expect(TerminalText.truncated("日本語テキスト", to: 5) == "日本…")
        #expect(TerminalText.width(TerminalText.truncated("日本語テキスト", to: 5)) <= 5)
        #expect(TerminalText.truncated("abc", to: 0) == "")
    }
}

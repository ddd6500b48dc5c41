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

@Suite struct FormatTests {
    @Test func latencies() {
        #expect(Format.latency(nil) == "-")
        #expect(Format.latency(0.0004) == "<1ms")
        #expect(Format.latency(0.85) == "850ms")
        #expect(Format.latency(2.4) == "2.40s")
        #expect(Format.latency(42) == "42.0s")
        #expect(Format.latency(65) == "1m05s")
    }

    @Test func numbersDurationsAndMoney() {
        #expect(Format.compact(950) == "950")
        #expect(Format.compact(12_345) == "12k")
        #expect(Format.compact(1_234) == "1.2k")
        #expect(Format.compact(4_100_000) == "4.1M")
        #expect(Format.compact(2.5) == "2.5")
        #expect(Format.duration(900) == "15m")
        #expect(Format.duration(3900) == "1h05m")
        #expect(Format.dollars(243.2) == "$243")
        #expect(Format.dollars(30.4) == "$30.40")
        #expect(Format.dollars(12_600) == "$12.6k")
        #expect(Format.percent(0.746) == "75%")
        #expect(Format.clock(9 * 3600 + 5 * 60 + 7) == "09:05:07")
        #expect(Format.clock(86_400 + 61) == "00:01:01")
    }
}

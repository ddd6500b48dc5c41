/// Splits text into the pieces BPE runs on, as the model's `tokenizer.ggml.pre` says.
///
/// The GPT-2 rule, written out as a scanner over Unicode scalars instead of a regex (same
/// result, no backtracking engine, and scalar semantics rather than Character's):
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// `smollm` (and `gpt2`-family variants with individual digits) first isolates every \p{N}
/// scalar, as Hugging Face's `Digits(individual_digits: true)` does.
public struct PreTokenizer: Sendable {
    public enum Kind: String, Sendable {
        case gpt2
        /// GPT-2's rule after isolating each digit (SmolLM, StarCoder).
        case individualDigits
    }

    public let kind: Kind

    /// The pre-tokenizer for a `tokenizer.ggml.pre` value, or nil when it is one this runtime
    /// does not implement.
    public init?(ggmlName: String) {
        switch ggmlName {
        case "gpt-2", "gpt2", "default": kind = .gpt2
        case "smollm", "starcoder", "refact": kind = .individualDigits
        default: return nil
        }
    }

    public init(kind: Kind) { self.kind = kind }

    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        switch kind {
        case .gpt2:
            Self.gpt2Split(scalars[...], into: &pieces)
        case .individualDigits:
            var start = 0
            for i in scalars.indices where Self.isNumber(scalars[i]) {
                if start < i { Self.gpt2Split(scalars[start..<i], into: &pieces) }
                pieces.append(String(String.UnicodeScalarView([scalars[i]])))
                start = i + 1
            }
            if start < scalars.count { Self.gpt2Split(scalars[start...], into: &pieces) }
        }
        return pieces
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    private enum Class { case letter, number, space, other }

    private static func classify(_ s: Unicode.Scalar) -> Class {
        if isLetter(s) { return .letter }
        if isNumber(s) { return .number }
        if isSpace(s) { return .space }
        return .other
    }

    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    static func gpt2Split(_ s: ArraySlice<Unicode.Scalar>, into pieces: inout [String]) {
        var i = s.startIndex
        let end = s.endIndex
        func emit(_ a: Int, _ b: Int) { pieces.append(String(String.UnicodeScalarView(s[a..<b]))) }
        /// The end of the run of scalars of class `c` starting at `j`.
        func run(from j: Int, _ c: Class) -> Int {
            var k = j
            while k < end, classify(s[k]) == c { k += 1 }
            return k
        }
        while i < end {
            let ch = s[i]
            // 's 't 're 've 'm 'll 'd
            if ch == "'" {
                if let m = contractions.first(where: { c in i + c.count < end && s[(i + 1)..<(i + 1 + c.count)].elementsEqual(c) }) {
                    emit(i, i + 1 + m.count)
                    i += 1 + m.count
                    continue
                }
            }
            // ` ?` followed by a letter, number or other run
            let lead = (ch == " " && i + 1 < end && classify(s[i + 1]) != .space) ? 1 : 0
            let c = classify(s[i + lead])
            if c != .space {
                let stop = run(from: i + lead, c)
                emit(i, stop)
                i = stop
                continue
            }
            // \s+(?!\S) then \s+: a run of whitespace leaves its last scalar to the next word.
            let stop = run(from: i, .space)
            if stop < end, stop - i > 1 {
                emit(i, stop - 1)
                i = stop - 1
            } else {
                emit(i, stop)
                i = stop
            }
        }
    }
}

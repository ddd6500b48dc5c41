/// GPT-2-style byte-level BPE from a GGUF file's vocabulary (`tokenizer.ggml.tokens`), merges
/// (`tokenizer.ggml.merges`, in rank order) and pre-tokenizer (`tokenizer.ggml.pre`).
/// Control tokens (`<|im_start|>` and the like) are matched whole in the text when asked to.
public final class BPETokenizer: @unchecked Sendable {
    public let tokens: [String]
    public let bos: Int32?
    public let eos: Int32?
    /// Whether the model expects a BOS token before a prompt (`tokenizer.ggml.add_bos_token`).
    public let addsBOS: Bool
    public let preTokenizer: PreTokenizer
    private let ids: [String: Int32]
    /// (left id << 32 | right id) -> (rank, merged id)
    private let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// Each token's bytes; control tokens decode to nothing unless asked.
    private let tokenBytes: [[UInt8]]
    private let isControl: [Bool]
    /// Control and user-defined tokens, longest first, for matching in text.
    private let specials: [(text: [UInt8], id: Int32)]
    /// Which bytes start some special token (a cheap test before comparing texts).
    private let specialStarts: [Bool]

    public convenience init(file: GGUFFile) throws {
        let path = file.path
        let model = try file.requiredString("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw LocalInferenceError.tokenizer(path: path, reason: "tokenizer model \"\(model)\" is not supported (only gpt2 byte-level BPE is)")
        }
        let preName = (file.metadata["tokenizer.ggml.pre"]?.string) ?? "default"
        guard let pre = PreTokenizer(ggmlName: preName) else {
            throw LocalInferenceError.tokenizer(path: path, reason: "pre-tokenizer \"\(preName)\" is not supported (gpt2, smollm, starcoder are)")
        }
        guard let tokenValues = file.metadata["tokenizer.ggml.tokens"]?.array else {
            throw LocalInferenceError.missingMetadata(path: path, key: "tokenizer.ggml.tokens")
        }
        let tokens = try tokenValues.enumerated().map { i, v in
            guard let s = v.string else { throw LocalInferenceError.badMetadata(path: path, key: "tokenizer.ggml.tokens", reason: "entry \(i) is not a string") }
            return s
        }
        let merges = try (file.metadata["tokenizer.ggml.merges"]?.array ?? []).enumerated().map { i, v in
            guard let s = v.string else { throw LocalInferenceError.badMetadata(path: path, key: "tokenizer.ggml.merges", reason: "entry \(i) is not a string") }
            return s
        }
        let types = (file.metadata["tokenizer.ggml.token_type"]?.array ?? []).map { $0.integer ?? 1 }
        func tokenID(_ key: String) -> Int32? {
            guard let n = file.metadata[key]?.integer, n >= 0, n < tokens.count else { return nil }
            return Int32(n)
        }
        try self.init(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: pre,
                      bos: tokenID("tokenizer.ggml.bos_token_id"), eos: tokenID("tokenizer.ggml.eos_token_id"),
                      addsBOS: file.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? false, source: path)
    }

    /// `tokenTypes` as in GGUF: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    public init(tokens: [String], merges: [String], tokenTypes: [Int], preTokenizer: PreTokenizer,
                bos: Int32?, eos: Int32?, addsBOS: Bool, source: String = "(tokenizer)") throws {
        self.tokens = tokens
        self.preTokenizer = preTokenizer
        self.bos = bos
        self.eos = eos
        self.addsBOS = addsBOS
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        self.ids = ids
        // A vocabulary need not spell every byte (SmolLM2 lacks a few control bytes and the
        // bytes UTF-8 never uses); text holding one loses it, as with Hugging Face's BPE
        // without an unknown token. But it must spell the printable ASCII.
        for b in 0x21..<0x7f where ids[String(ByteLevelAlphabet.scalars[b])] == nil {
            throw LocalInferenceError.tokenizer(path: source, reason: "the vocabulary lacks the byte-level token for byte \(b)")
        }
        var table: [UInt64: (Int32, Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, line) in merges.enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw LocalInferenceError.tokenizer(path: source, reason: "merge \(rank) (\"\(line.prefix(40))\") is not two symbols separated by a space")
            }
            guard let a = ids[String(parts[0])], let b = ids[String(parts[1])], let m = ids[String(parts[0] + parts[1])] else { continue }
            let key = UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
            if table[key] == nil { table[key] = (Int32(rank), m) }
        }
        self.merges = table
        var control = [Bool](repeating: false, count: tokens.count)
        var specials: [(text: [UInt8], id: Int32)] = []
        for (i, t) in tokenTypes.prefix(tokens.count).enumerated() where t == 3 || t == 4 {
            control[i] = t == 3
            if !tokens[i].isEmpty { specials.append((Array(tokens[i].utf8), Int32(i))) }
        }
        isControl = control
        self.specials = specials.sorted { $0.text.count > $1.text.count }
        var starts = [Bool](repeating: false, count: 256)
        for s in specials { starts[Int(s.text[0])] = true }
        specialStarts = starts
        tokenBytes = tokens.enumerated().map { i, t in
            // User-defined and control tokens are stored as plain text, not byte-level.
            i < tokenTypes.count && (tokenTypes[i] == 3 || tokenTypes[i] == 4) ? Array(t.utf8) : (ByteLevelAlphabet.decode(t) ?? Array(t.utf8))
        }
    }

    public var vocabularySize: Int { tokens.count }

    public func id(of token: String) -> Int32? { ids[token] }

    // MARK: Encoding

    /// Token ids of `text`. With `parseSpecial`, control tokens written in the text become
    /// their ids; without it they are encoded as the plain text they look like.
    public func encode(_ text: String, addBOS: Bool? = nil, parseSpecial: Bool = true) -> [Int32] {
        var out: [Int32] = []
        if addBOS ?? addsBOS, let bos { out.append(bos) }
        for segment in splitSpecials(Array(text.utf8), parse: parseSpecial) {
            switch segment {
            case let .special(id): out.append(id)
            case let .text(bytes):
                for piece in preTokenizer.split(String(decoding: bytes, as: UTF8.self)) { encodePiece(piece, into: &out) }
            }
        }
        return out
    }

    private enum Segment { case text([UInt8]), special(Int32) }

    private func splitSpecials(_ bytes: [UInt8], parse: Bool) -> [Segment] {
        guard parse, !specials.isEmpty else { return [.text(bytes)] }
        var out: [Segment] = []
        var start = 0, i = 0
        scan: while i < bytes.count {
            if specialStarts[Int(bytes[i])] {
                for s in specials where s.text.count <= bytes.count - i && bytes[i..<i + s.text.count].elementsEqual(s.text) {
                    if start < i { out.append(.text(Array(bytes[start..<i]))) }
                    out.append(.special(s.id))
                    i += s.text.count
                    start = i
                    continue scan
                }
            }
            i += 1
        }
        if start < bytes.count { out.append(.text(Array(bytes[start...]))) }
        return out
    }

    /// Byte-level BPE on one pre-tokenized piece: start from single bytes, merge the adjacent
    /// pair of lowest rank until none is in the merge table.
    private func encodePiece(_ piece: String, into out: inout [Int32]) {
        let spelled = ByteLevelAlphabet.encode(piece.utf8)
        if let whole = ids[spelled] { out.append(whole); return }
        var symbols: [Int32] = spelled.unicodeScalars.compactMap { ids[String($0)] }
        while symbols.count > 1 {
            var bestRank = Int32.max, bestAt = -1, bestMerged: Int32 = 0
            for i in 0..<symbols.count - 1 {
                let key = UInt64(UInt32(symbols[i])) << 32 | UInt64(UInt32(symbols[i + 1]))
                if let m = merges[key], m.rank < bestRank {
                    bestRank = m.rank
                    bestAt = i
                    bestMerged = m.merged
                }
            }
            guard bestAt >= 0 else { break }
            symbols[bestAt] = bestMerged
            symbols.remove(at: bestAt + 1)
        }
        out.append(contentsOf: symbols)
    }

    // MARK: Decoding

    /// The bytes of a token (control tokens give nothing unless `special`).
    public func bytes(of token: Int32, special: Bool = false) -> [UInt8] {
        guard token >= 0, Int(token) < tokens.count else { return [] }
        if isControl[Int(token)] && !special { return [] }
        return tokenBytes[Int(token)]
    }

    public func decode(_ ids: [Int32], special: Bool = false) -> String {
        String(decoding: ids.flatMap { bytes(of: $0, special: special) }, as: UTF8.self)
    }
}

/// Turns a stream of tokens into text without ever cutting a UTF-8 sequence: an emoji split
/// over two tokens comes out whole with the second.
public struct UTF8StreamDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Text completed by these bytes.
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        let cut = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left (an incomplete sequence at the end becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of the longest prefix that does not end inside a multi-byte sequence.
    static func completePrefixLength(_ b: [UInt8]) -> Int {
        var i = b.count - 1
        var back = 0
        // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
        while i >= 0, back < 4, b[i] & 0xC0 == 0x80 { i -= 1; back += 1 }
        guard i >= 0 else { return b.count }
        let lead = b[i]
        let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return b.count - i >= need ? b.count : i
    }
}

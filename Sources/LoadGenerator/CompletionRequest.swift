import FleetCore
import Foundation

/// The body of one streamed completion request, in the API the serving engines share
/// (OpenAI's `/v1/completions`: vLLM, SGLang, TGI, llama.cpp's server).
public struct CompletionRequest: Sendable, Equatable {
    public var model: String?
    public var prompt: String
    public var maxTokens: Int
    /// Asks the engine to generate all `maxTokens` (vLLM, SGLang and llama.cpp read it; others
    /// ignore it), so the output length is the load's and not the model's whim.
    public var ignoreEOS: Bool

    public init(model: String?, prompt: String, maxTokens: Int, ignoreEOS: Bool) {
        self.model = model; self.prompt = prompt; self.maxTokens = maxTokens; self.ignoreEOS = ignoreEOS
    }

    public var json: String {
        var fields: [String] = []
        if let model { fields.append("\"model\":\(JSONString.quoted(model))") }
        fields.append("\"prompt\":\(JSONString.quoted(prompt))")
        fields.append("\"max_tokens\":\(maxTokens)")
        fields.append("\"stream\":true")
        fields.append("\"stream_options\":{\"include_usage\":true}")
        if ignoreEOS { fields.append("\"ignore_eos\":true") }
        // Sampling at temperature 0 costs the same as any other; it keeps runs comparable.
        fields.append("\"temperature\":0")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A prompt of about `tokens` tokens: common English words, drawn from `random`, so that
    /// requests differ (an engine's prefix cache does not answer them all) and tokenizers give
    /// close to one token a word.
    public static func prompt(tokens: Int, random: inout SeededRandom) -> String {
        var words: [String] = []
        words.reserveCapacity(tokens)
        for _ in 0..<max(1, tokens) { words.append(vocabulary[Int(random.next() % UInt64(vocabulary.count))]) }
        return words.joined(separator: " ")
    }

    static let vocabulary = [
        "the", "time", "people", "way", "day", "man", "thing", "woman", "life", "child", "world", "school",
        "state", "family", "student", "group", "country", "problem", "hand", "part", "place", "case", "week",
        "company", "system", "program", "question", "work", "government", "number", "night", "point", "home",
        "water", "room", "mother", "area", "money", "story", "fact", "month", "lot", "right", "study", "book",
        "eye", "job", "word", "business", "issue", "side", "kind", "head", "house", "service", "friend",
        "father", "power", "hour", "game", "line", "end", "member", "law", "car", "city", "name", "team",
    ]
}

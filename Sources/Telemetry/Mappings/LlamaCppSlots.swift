import Foundation

/// llama.cpp server's `/slots` page: one JSON object per slot (`id`, `n_ctx`, `is_processing`,
/// and while it works its task's fields). `/metrics` says how many requests are processing and
/// deferred but not how many slots there are; this does, and each slot's context, which is
/// the server's whole KV cache (`-c`) split between them. The twin reads both (Docs/twin.md).
public struct LlamaCppSlots: Sendable, Equatable {
    public var count: Int
    /// Tokens of context each slot holds (the first slot's: the server splits `-c` evenly).
    public var contextPerSlot: Int?
    public var processing: Int

    public init(count: Int, contextPerSlot: Int?, processing: Int) {
        self.count = count; self.contextPerSlot = contextPerSlot; self.processing = processing
    }

    /// Pages past this size are not slot lists (a server has tens of slots, each a few KB busy).
    public static let maxBytes = 4 << 20

    /// The slots of a `/slots` body, or why it is not one (named by `source`).
    public static func parse(_ body: [UInt8], source: String) -> Result<LlamaCppSlots, SlotsError> {
        guard body.count <= maxBytes else { return .failure(SlotsError("\(source): \(body.count) bytes is not a slot list")) }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return .failure(SlotsError("\(source): not JSON"))
        }
        guard let slots = json as? [Any] else { return .failure(SlotsError("\(source): not a list of slots")) }
        guard !slots.isEmpty, slots.count <= 100_000 else { return .failure(SlotsError("\(source): \(slots.count) slots")) }
        var processing = 0
        var context: Int?
        for (i, s) in slots.enumerated() {
            guard let slot = s as? [String: Any] else { return .failure(SlotsError("\(source): slot \(i) is not an object")) }
            if (slot["is_processing"] as? Bool) == true { processing += 1 }
            if i == 0, let n = slot["n_ctx"] as? Int, n > 0, n <= 100_000_000 { context = n }
        }
        return .success(LlamaCppSlots(count: slots.count, contextPerSlot: context, processing: processing))
    }

    /// The `/slots` URL of the server whose metrics are at `metricsURL`.
    public static func url(besides metricsURL: String) -> String? {
        guard var c = URLComponents(string: metricsURL), c.host != nil else { return nil }
        c.path = "/slots"
        c.query = nil
        return c.string
    }
}

public struct SlotsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

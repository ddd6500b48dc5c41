import FleetCore
import Foundation

/// A snapshot's JSON (history rings and events taken out) as a shape and a flat list of leaf
/// values. Ticks carry only the leaves that changed, by index; a keyframe fixes the shape.
struct SnapshotShape: Equatable {
    indirect enum Node: Equatable {
        case leaf(Int)
        case object([(key: String, node: Node)])
        case array([Node])

        static func == (a: Node, b: Node) -> Bool {
            switch (a, b) {
            case let (.leaf(x), .leaf(y)): return x == y
            case let (.array(x), .array(y)): return x == y
            case let (.object(x), .object(y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.node == $1.node }
            default: return false
            }
        }
    }

    var root: Node

    enum PathKey { case key(String), index(Int) }

    /// The leaf at a path of keys and indices, if there is one.
    func leaf(_ path: [PathKey]) -> Int? {
        var n = root
        for p in path {
            switch (p, n) {
            case let (.key(k), .object(fields)):
                guard let f = fields.first(where: { $0.key == k }) else { return nil }
                n = f.node
            case let (.index(i), .array(items)):
                guard i < items.count else { return nil }
                n = items[i]
            default: return nil
            }
        }
        if case .leaf(let i) = n { return i }
        return nil
    }

    /// Splits JSON text into its shape and its leaves, each kept as raw text.
    static func flatten(_ json: ArraySlice<UInt8>) throws -> (SnapshotShape, [String]) {
        flatten(try RawJSON.parse(json))
    }

    static func flatten(_ value: RawJSON.Value) -> (SnapshotShape, [String]) {
        var values: [String] = []
        func walk(_ v: RawJSON.Value) -> Node {
            switch v {
            case .scalar(let raw):
                values.append(raw)
                return .leaf(values.count - 1)
            case .array(let items): return .array(items.map(walk))
            case .object(let fields): return .object(fields.map { ($0.key, walk($0.value)) })
            }
        }
        let root = walk(value)
        return (SnapshotShape(root: root), values)
    }

    /// The JSON text again, with `values` at the leaves.
    func build(_ values: [String]) -> String {
        var out = ""
        out.reserveCapacity(values.count * 12)
        func make(_ n: Node) {
            switch n {
            case .leaf(let i): out += values[i]
            case .array(let items):
                out += "["
                for (k, item) in items.enumerated() {
                    if k > 0 { out += "," }
                    make(item)
                }
                out += "]"
            case .object(let fields):
                out += "{"
                for (k, f) in fields.enumerated() {
                    if k > 0 { out += "," }
                    out += "\"" + f.key + "\":"
                    make(f.node)
                }
                out += "}"
            }
        }
        make(root)
        return out
    }
}

/// One history ring of a snapshot, whichever kind. A struct of optionals rather than an enum
/// with payloads: appending then mutates the ring in place, where taking a payload out of an
/// enum copies its storage (a 900-sample copy per append made seeks ten times slower).
struct AnySeries {
    private(set) var ring: SeriesRing?
    private(set) var tiered: TieredSeries?

    static func ring(_ r: SeriesRing) -> AnySeries { AnySeries(ring: r, tiered: nil) }
    static func tiered(_ t: TieredSeries) -> AnySeries { AnySeries(ring: nil, tiered: t) }

    var isTiered: Bool { tiered != nil }

    var appendedTotal: Int { tiered?.appendedTotal ?? ring?.appendedTotal ?? 0 }

    /// The newest `n` values as stored.
    func newest(_ n: Int) -> [Double] {
        if let t = tiered { return Array(t.values.suffix(n)) }
        return ring?.suffix(n) ?? []
    }

    mutating func append(_ v: Double, at time: Double) {
        if tiered != nil { tiered!.append(v, at: time) } else { ring?.append(v) }
    }
}

/// A history ring as a full keyframe packs it, whichever kind (a `SeriesRing` writes its
/// `capacity`, a `TieredSeries` does not; `ReplayCursor.unpack` reads them back).
struct PackedSeries: Encodable {
    var series: AnySeries

    init(_ series: AnySeries) { self.series = series }

    func encode(to encoder: Encoder) throws {
        if let t = series.tiered { try t.encode(to: encoder) } else if let r = series.ring { try r.encode(to: encoder) }
    }
}

/// Where the history rings of a snapshot live, by stable names ("n/NODE/kv", "p/POOL/waiting",
/// "c/CACHE", "cost"), so a recording can carry what was appended to each.
enum SnapshotSeries {
    static func list(_ s: FleetSnapshot) -> [(name: String, series: AnySeries)] {
        var out: [(String, AnySeries)] = []
        for n in s.nodes {
            out.append(("n/\(n.id)/gpu", .tiered(n.history.gpuUtilization)))
            out.append(("n/\(n.id)/kv", .tiered(n.history.kvCacheUsage)))
            out.append(("n/\(n.id)/tps", .tiered(n.history.tokensPerSecond)))
            out.append(("n/\(n.id)/run", .tiered(n.history.running)))
            out.append(("n/\(n.id)/wait", .tiered(n.history.waiting)))
        }
        for p in s.pools {
            out.append(("p/\(p.id)/waiting", .ring(p.history.waiting)))
            out.append(("p/\(p.id)/arrival", .ring(p.history.arrivalRate)))
            out.append(("p/\(p.id)/e2e", .ring(p.history.e2eP95)))
        }
        for c in s.caches { out.append(("c/\(c.id)", .ring(c.history))) }
        out.append(("cost", .ring(s.cost.history)))
        return out
    }

    /// Puts the rings back; `series` is in `list`'s order for the same snapshot shape.
    /// Puts `series` back into the snapshot's histories, in `list`'s order, and returns how
    /// many its structure needs. When that is not `series.count` (a damaged keyframe, whose
    /// rings and shape disagree) the snapshot is left untouched.
    @discardableResult
    static func assign(_ snapshot: inout FleetSnapshot, _ series: [AnySeries]) -> Int {
        var s = snapshot
        var k = 0
        func next() -> AnySeries? { defer { k += 1 }; return k < series.count ? series[k] : nil }
        func tiered() -> TieredSeries { next()?.tiered ?? TieredSeries() }
        func ring() -> SeriesRing { next()?.ring ?? SeriesRing(capacity: 1) }
        for i in s.nodes.indices {
            s.nodes[i].history.gpuUtilization = tiered()
            s.nodes[i].history.kvCacheUsage = tiered()
            s.nodes[i].history.tokensPerSecond = tiered()
            s.nodes[i].history.running = tiered()
            s.nodes[i].history.waiting = tiered()
        }
        for i in s.pools.indices {
            s.pools[i].history.waiting = ring()
            s.pools[i].history.arrivalRate = ring()
            s.pools[i].history.e2eP95 = ring()
        }
        for i in s.caches.indices { s.caches[i].history = ring() }
        s.cost.history = ring()
        if k == series.count { snapshot = s }
        return k
    }

    /// The snapshot without its rings (small placeholders), events or replay state: what the
    /// shape and leaves describe.
    static func stripped(_ s: FleetSnapshot) -> FleetSnapshot {
        var c = s
        let placeholders = list(s).map { item -> AnySeries in
            item.series.isTiered ? .tiered(TieredSeries(fineCapacity: 1, coarseCapacity: 1)) : .ring(SeriesRing(capacity: 1))
        }
        assign(&c, placeholders)
        c.events = []
        c.replay = nil
        return c
    }
}

enum RecordingJSON {
    static func encoder(packed: Bool) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        if packed { e.userInfo[SeriesPacking.packedKey] = true }
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return d
    }

    static func string(_ s: String) -> String { JSONString.quoted(s) }
}

import DequeModule
import FleetCore
import Foundation

/// A trace as a scenario class's arrivals: a small one held whole, a production one streamed
/// from its file, read ahead only as the simulation reaches it and forgotten once it is well
/// behind, so a week of Azure's traffic runs in constant memory. `speedup` compresses time
/// (arrivals at t / speedup) to reach a target load with the same requests.
///
/// Shared by a simulator and its what-if forks (a scenario is a value, its feed a reference):
/// a fork that falls more than `window` requests behind the simulator it came from stops
/// seeing the trace, which a fork never needs (it follows the forecast).
public final class TraceFeed: @unchecked Sendable {
    public static let window = 100_000

    public let file: String
    public let speedup: Double
    private let lock = NSLock()
    private var reader: TraceFileReader?
    private var held = Deque<TraceRequest>()
    private var base = 0
    private var failure: Error?
    private let whole: Bool
    /// Refuses a request the pool could never serve (longer than a node's KV cache): the
    /// message for the error at its line, or nil.
    public var check: (@Sendable (TraceRequest) -> String?)?

    /// A trace in memory, sorted by arrival.
    public init(requests: [TraceRequest], file: String, speedup: Double = 1) {
        self.file = file; self.speedup = speedup
        held = Deque(requests.sorted { ($0.arrival, $0.line) < ($1.arrival, $1.line) })
        whole = true
    }

    /// A trace streamed from `file`, which must be in arrival order.
    public init(file: String, format: TraceFormat? = nil, speedup: Double = 1) throws {
        self.file = file; self.speedup = speedup
        reader = try TraceFileReader(file: file, format: format, requireSorted: true)
        whole = false
    }

    /// The `index`th request (0-based, by arrival) with its arrival scaled, or nil past the
    /// end, after a bad line (see `error`), or too far behind the window.
    public func request(at index: Int) -> TraceRequest? {
        lock.lock(); defer { lock.unlock() }
        while index >= base + held.count, failure == nil, let reader {
            do {
                guard let r = try reader.next() else { self.reader = nil; break }
                if let message = check?(r) {
                    throw ConfigFileError(file: file, line: r.line, field: nil, message: message)
                }
                held.append(r)
            } catch {
                failure = error
                self.reader = nil
            }
        }
        if !whole {
            while index - base > Self.window, !held.isEmpty { held.removeFirst(); base += 1 }
        }
        guard index >= base, index < base + held.count else { return nil }
        var r = held[index - base]
        if speedup != 1 { r.arrival /= speedup }
        return r
    }

    /// The first bad line met, if any: the replay stopped taking arrivals there.
    public var error: Error? {
        lock.lock(); defer { lock.unlock() }
        return failure
    }

    /// Requests in memory now: the window's bound, for the memory test.
    public var heldCount: Int {
        lock.lock(); defer { lock.unlock() }
        return held.count
    }
}

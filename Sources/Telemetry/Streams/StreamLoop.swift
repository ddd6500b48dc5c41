import FleetCore
import MetricsFormats
import Foundation
import Synchronization

/// Reads NDJSON from followed files and a loopback port, feeds the aggregator, and publishes a
/// snapshot once per interval.
public final class StreamLoop: FleetSource, @unchecked Sendable {
    private let aggregator: StreamAggregator      // touched only by run()
    private let files: [FollowedFile]
    private var splitters: [LineSplitter]
    private var lineNumbers: [Int]
    private let listener: LoopbackListener?
    private let piped: PipedInput?
    private var pipedSplitter = LineSplitter()
    private var pipedLines = 0
    private let store: SnapshotStore
    private let interval: Double
    private let clock: any FleetClock
    private let stopped = Atomic<Bool>(false)

    public init(aggregator: StreamAggregator, files: [String], listenPort: Int?, piped: PipedInput? = nil, store: SnapshotStore,
                interval: Double, clock: any FleetClock = WallClock()) throws {
        self.piped = piped
        self.aggregator = aggregator
        self.files = files.map(FollowedFile.init(path:))
        splitters = files.map { _ in LineSplitter() }
        lineNumbers = files.map { _ in 0 }
        listener = try listenPort.map { try LoopbackListener(port: $0) }
        self.store = store
        self.interval = interval
        self.clock = clock
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Reads whatever arrived; returns the number of lines handled.
    @discardableResult
    public func pump() -> Int {
        var handled = 0
        let now = clock.now
        for (i, f) in files.enumerated() {
            func feed(_ bytes: [UInt8]) {
                for piece in splitters[i].feed(bytes) {
                    lineNumbers[i] += 1
                    handled += 1
                    handle(piece, source: f.path, number: lineNumbers[i], at: now)
                }
            }
            let poll = f.poll()
            aggregator.sourceErrors[f.path] = f.lastError
            // A rotated file's last line may lack its newline; it is complete all the same.
            feed(poll.oldTail.isEmpty || poll.oldTail.last == 0x0A ? poll.oldTail : poll.oldTail + [0x0A])
            if poll.restarted {
                splitters[i].reset()
                lineNumbers[i] = 0
            }
            feed(poll.bytes)
        }
        if let piped {
            for piece in pipedSplitter.feed(piped.poll()) {
                pipedLines += 1
                handled += 1
                handle(piece, source: "stdin", number: pipedLines, at: now)
            }
            aggregator.sourceErrors["stdin"] = piped.closed ? "stdin closed after \(pipedLines) lines (the producer exited)" : nil
        }
        for (piece, source, number) in listener?.poll() ?? [] {
            handled += 1
            handle(piece, source: source, number: number, at: now)
        }
        return handled
    }

    private func handle(_ piece: LineSplitter.Piece, source: String, number: Int, at time: Double) {
        switch piece {
        case .line(let l) where l.allSatisfy({ $0 == " " || $0 == "\t" }):
            return
        case .line(let l):
            switch NDJSONRecordParser.parse(line: l) {
            case .success(let record): aggregator.ingest(record, source: source, lineNumber: number, at: time)
            case .failure(let e): aggregator.reject(source: source, lineNumber: number, reason: e.message)
            }
        case .tooLong: aggregator.reject(source: source, lineNumber: number, reason: "line longer than 1 MiB skipped")
        }
    }

    public func publish() { store.publish(aggregator.snapshot(at: clock.now)) }

    public func run() async {
        var nextPublish = clock.now
        while !stopped.load(ordering: .relaxed) && !Task.isCancelled {
            pump()
            if clock.now >= nextPublish {
                publish()
                nextPublish += interval
                if nextPublish < clock.now { nextPublish = clock.now + interval }
            }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
    }
}

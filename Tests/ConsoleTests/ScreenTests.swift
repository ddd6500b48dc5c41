import FleetdeckTestSupport
import FleetCore
import Foundation
import Testing
@testable import Console

@Suite struct ScreenTests {
    func render(_ state: ConsoleState = ConsoleState(), width: Int = 100, height: Int = 30,
                glyphs: Glyphs = .unicode) -> Canvas {
        ScreenRenderer.render(snapshot: Fixtures.snapshot, state: state, width: width, height: height, glyphs: glyphs).canvas
    }

    /// Golden files live in Tests/ConsoleTests/Golden; FLEETDECK_UPDATE_GOLDEN=1 rewrites them
    /// (then read the diff before committing it).
    func expectGolden(_ name: String, _ text: String) throws {
        let path = RepositoryRoot.path + "/Tests/ConsoleTests/Golden/\(name).txt"
        if ProcessInfo.processInfo.environment["FLEETDECK_UPDATE_GOLDEN"] == "1" {
            try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text + "\n" == golden, "\n\(text)")
    }

    /// A recording's times may be anything: the timeline clamps them to its ends.
    @Test func timelineColumnsOfAbsurdTimesStayOnTheBar() {
        let r = ReplayStatus(position: 0, start: 0, end: 10, paused: true, speed: 1, marks: [], notice: nil)
        #expect(ReplayBar.column(1e300, r, width: 50) == 49)
        #expect(ReplayBar.column(-1e300, r, width: 50) == 0)
        #expect(ReplayBar.column(.nan, r, width: 50) == 0)
        #expect(ReplayBar.column(5, r, width: 51) == 25)
        let wide = ReplayStatus(position: 0, start: -1e308, end: 1e308, paused: true, speed: 1, marks: [], notice: nil)
        #expect(ReplayBar.column(0, wide, width: 50) == 0)
    }

    @Test func overviewGolden80x24() throws {
        try expectGolden("overview-80x24-ascii", render(width: 80, height: 24, glyphs: .ascii).text)
    }

    @Test func overviewGolden200x60WithMarksAndAFilter() throws {
        var s = ConsoleState()
        s.markedNodeIDs = ["chat-01", "batch-01"]
        s.filter = "!state:down"
        try expectGolden("overview-200x60-marked", render(s, width: 200, height: 60).text)
    }

    /// The `:` line with what Tab could not choose between, at the smallest size, in ASCII.
    @Test func commandLineGolden80x24() throws {
        var s = ConsoleState()
        var input = CommandLineInput(text: "s")
        input.candidates = ["scale", "scheduler", "shift", "sort", "sources"]
        s.mode = .commandLine(input)
        let text = render(s, width: 80, height: 24, glyphs: .ascii).text
        try expectGolden("command-line-80x24-ascii", text)
        #expect(text.split(separator: "\n").suffix(2).allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
    }

    @Test func overviewGolden120x40() throws {
        try expectGolden("overview-120x40", render(width: 120, height: 40).text)
    }

    @Test func nodeDetailGolden() throws {
        var state = ConsoleState()
        state.detailNodeID = "chat-01"
        try expectGolden("node-detail-100x30", render(state, width: 100, height: 30).text)
    }

    @Test func aNodeWithoutGPUsSaysItIsACPUNode() {
        var snapshot = Fixtures.snapshot
        var cpu = snapshot.nodes[0]
        cpu.id = "local-0"
        cpu.gpus = []
        snapshot.nodes.append(cpu)
        var state = ConsoleState()
        state.detailNodeID = "local-0"
        let text = ScreenRenderer.render(snapshot: snapshot, state: state, width: 100, height: 30, glyphs: .unicode).canvas.text
        #expect(text.contains("no GPUs: a CPU node"))
        #expect(text.contains("CPU busy"))
        #expect(!text.contains("UTILISATION"))
    }

    @Test func zShowsTheDayOfMinuteMeans() {
        var state = ConsoleState()
        state.detailNodeID = "chat-01"
        state = KeyDriver().press(.char("z"), from: state).state
        #expect(state.dayHistory)
        let text = render(state, width: 100, height: 30).text
        #expect(text.contains("24 h by minute (z)"))
        // The fixture's 30 seconds fit in one minute: one column of history, not thirty.
        let fifteen = render({ var s = state; s.dayHistory = false; return s }(), width: 100, height: 30).text
        #expect(text != fifteen)
    }

    @Test func overviewShowsEveryPanelAndNode() {
        let text = render().text
        for title in ["Nodes (3)", "Queues", "Cache hit rates", "Latency vs SLO", "Cost", "Events"] {
            #expect(text.contains(title), "\(title)")
        }
        for id in ["chat-01", "chat-02", "batch-01"] { #expect(text.contains(id)) }
        #expect(text.contains("SLO: 1 breached"))
    }

    @Test func breachedLatencyIsColouredAndDownNodesAreRed() {
        let c = render()
        var foundBreachCell = false
        var foundDownCell = false
        for y in 0..<c.height {
            let row = c.row(y)
            if let r = row.range(of: "2.60s") {
                let x = row.distance(from: row.startIndex, to: r.lowerBound)
                foundBreachCell = foundBreachCell || c[x, y].role == .crit
            }
            if let r = row.range(of: "down") {
                let x = row.distance(from: row.startIndex, to: r.lowerBound)
                foundDownCell = foundDownCell || c[x, y].role == .crit
            }
        }
        #expect(foundBreachCell)
        #expect(foundDownCell)
    }

    @Test func asciiModeDrawsOnlyASCII() {
        var state = ConsoleState()
        for screen in ScreenID.allCases {
            state.screen = screen
            let c = render(state, width: 120, height: 40, glyphs: .ascii)
            let offenders = c.cells.filter { $0.scalar.value > 0x7E && $0.scalar != Cell.continuation && $0.scalar != TerminalText.replacement }
            #expect(offenders.isEmpty, "\(screen): \(offenders.prefix(5).map { String($0.scalar) })")
        }
        state.detailNodeID = "chat-01"
        let detail = render(state, width: 120, height: 40, glyphs: .ascii)
        #expect(detail.cells.allSatisfy { $0.scalar.value <= 0x7E || $0.scalar == TerminalText.replacement })
    }

    @Test func aSmallTerminalGetsAClearMessage() {
        let text = render(width: 60, height: 20).text
        #expect(text.contains("terminal too small: 60x20"))
        #expect(text.contains("at least 80x24"))
        #expect(!text.contains("Nodes"))
    }

    @Test func everySizeFromTheMinimumUpRendersWithinBounds() {
        for (w, h) in [(80, 24), (81, 25), (100, 30), (120, 40), (200, 60), (300, 100)] {
            let c = render(width: w, height: h)
            #expect(c.width == w && c.height == h)
            #expect(c.text.contains("Nodes (3)"))
        }
    }

    @Test func aLongNodeListScrollsAndSaysWhere() {
        var snap = Fixtures.snapshot
        snap.nodes = (1...30).map { Fixtures.node(String(format: "chat-70b-blue-%02d", $0), pool: "chat-70b-blue",
                                                 util: 0.5, kv: 0.1, running: 3, waiting: 0, tps: 100) }
        var state = ConsoleState()
        state.selectedNodeID = "chat-70b-blue-25"
        let frame = ScreenRenderer.render(snapshot: snap, state: state, width: 80, height: 24, glyphs: .unicode)
        let text = frame.canvas.text
        #expect(text.contains("chat-70b-blue-25"))
        #expect(!text.contains("chat-70b-blue-01"))
        #expect(frame.nodeScrollOffset > 0)
        #expect(text.contains("of 30 ─"))
        #expect(text.contains("TOK/S"))
    }

    @Test func nodeDetailShowsGPUsAndHistory() {
        var state = ConsoleState()
        state.detailNodeID = "chat-01"
        let text = render(state, width: 120, height: 40).text
        #expect(text.contains("chat-01  chat · vllm · llama-3-8b v2"))
        #expect(text.contains("GPU0") && text.contains("GPU1"))
        #expect(text.contains("72.0/80 GiB"))
        #expect(text.contains("GPU util 97%") && text.contains("KV cache 88%") && text.contains("tokens/s 2.4k"))
        #expect(!text.contains("Queues"))
    }

    @Test func helpListsTheKeysOfTheScreenFromTheKeymap() {
        var state = ConsoleState()
        state.mode = .help(scroll: 0)
        let text = render(state, width: 160, height: 80).text
        let here = Keymap.standard.active(at: .screen(.overview), replaying: false)
        for b in here {
            #expect(text.contains(b.help), "\(b.command)")
        }
        #expect(text.contains(":scale POOL N|+N|-N"))
        // The node detail's own key is not offered on the overview, the transport not live.
        #expect(!text.contains("node graphs: 15 min") && !text.contains("seek one minute back"))
        // Too many for the rows: the help scrolls, and says where it is.
        let short = render(state, width: 100, height: 30).text
        #expect(short.contains("1-") && short.contains("scroll"))
        state.mode = .help(scroll: 200)
        #expect(render(state, width: 100, height: 30).text.contains("quit (also :q)"))
    }

    @Test func filterNarrowsTheNodeTable() {
        var state = ConsoleState()
        state.filter = "batch"
        let text = render(state).text
        #expect(text.contains("batch-01"))
        #expect(!text.contains("chat-01"))
        #expect(text.contains("/batch: 1 of 3"))
        state.filter = "nothing-matches"
        #expect(render(state).text.contains("no node matches"))
    }

    @Test func pausedDisplayShowsTheFrozenSnapshotAndHowFarBehind() {
        var state = ConsoleState()
        var old = Fixtures.snapshot
        old.time = 540
        state.frozen = old
        let text = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: state, width: 120, height: 40, glyphs: .unicode).canvas.text
        #expect(text.contains("PAUSED +1m"))
    }

    @Test func otherScreensRender() {
        var state = ConsoleState()
        state.screen = .pools
        let pools = render(state, width: 140, height: 40).text
        #expect(pools.contains("Pools (2)") && pools.contains("1/2") && pools.contains("$389"))
        state.screen = .nodes
        let nodes = render(state, width: 160, height: 40).text
        #expect(nodes.contains("PREFIX%") && nodes.contains("NCCL timeout"))
        state.screen = .events
        #expect(render(state).text.contains("node chat-02 down"))
        state.screen = .sources
        #expect(render(state).text.contains("simulated fleet 'fixture': nothing is scraped"))
        var scraped = Fixtures.snapshot
        scraped.sources = [SourceStatus(id: "vllm-0", kind: .metrics, address: "http://10.0.0.7:8000/metrics", state: .stale,
                                        reason: "missed 1 scrape: timeout after 2 s", stack: "vllm", lastSuccessAge: 3,
                                        lastDuration: 0.012, samples: 261, scrapes: 40, failures: 1, parseIssues: 2)]
        let sources = ScreenRenderer.render(snapshot: scraped, state: state, width: 140, height: 30, glyphs: .unicode).canvas.text
        #expect(sources.contains("Sources (1)") && sources.contains("3s ago") && sources.contains("12ms")
                && sources.contains("1/40 +2") && sources.contains("missed 1 scrape: timeout after 2 s"))
        // A flood's skipped lines, compact at 80 columns rather than cut.
        scraped.sources[0].parseIssues = 312_340
        scraped.sources[0].scrapes = 1_250
        let narrow = ScreenRenderer.render(snapshot: scraped, state: state, width: 80, height: 24, glyphs: .unicode).canvas.text
        #expect(narrow.contains("1/1.2k +312k"), "\(narrow)")
    }

    /// A mean-only signal (llama.cpp's TPOT) judged by a mean objective keeps its mean in
    /// sight at 80 columns, where the quantile columns give way.
    @Test func aMeanObjectiveKeepsTheMeanInSightAt80Columns() {
        var snapshot = Fixtures.snapshot
        snapshot.latency[0].tpot = Quantiles(mean: 0.045)
        snapshot.latency[0].objectives.append(SLOObjective(metric: .tpot, percentile: 0, target: 0.03))
        let text = ScreenRenderer.render(snapshot: snapshot, state: ConsoleState(), width: 80, height: 24, glyphs: .unicode).canvas.text
        #expect(text.contains("tpot") && text.contains("45ms") && text.contains("mean<30ms"), "\(text)")
    }
}

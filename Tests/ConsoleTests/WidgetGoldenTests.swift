import FleetCore
import Testing
@testable import Console

@Suite struct WidgetGoldenTests {
    @Test func panelDrawsABoxWithItsTitle() {
        var c = Canvas(width: 16, height: 4)
        let inner = Panel.draw(&c, c.bounds, title: "Queues", glyphs: .unicode)
        #expect(inner == Rect(x: 1, y: 1, width: 14, height: 2))
        #expect(c.text == """
            ╭ Queues ──────╮
            │              │
            │              │
            ╰──────────────╯
            """)
        var a = Canvas(width: 12, height: 3)
        Panel.draw(&a, a.bounds, title: "Cost", glyphs: .ascii)
        #expect(a.text == """
            + Cost ----+
            |          |
            +----------+
            """)
    }

    @Test func tableAlignsTruncatesAndMarksTheSortColumn() {
        let t = Table(columns: [.init("NODE", width: 8), .init("GPU%", width: 4, alignment: .right), .init("MODEL", minWidth: 5)],
                      rows: [[.init("chat-01"), .init("97"), .init("llama-3-8b-instruct")],
                             [.init("a-very-long-id"), .init("5"), .init("m")]],
                      selected: 1, sortColumn: 1)
        var c = Canvas(width: 24, height: 3)
        t.draw(&c, c.bounds, glyphs: .ascii)
        #expect(c.text == """
            NODE     GPUv MODEL
            chat-01    97 llama-3-8~
            a-very-~    5 m
            """)
        #expect(c[0, 2].role == .selected)
        #expect(c[23, 2].role == .selected)
        #expect(c[0, 1].role == .normal)
        #expect(c[0, 0].role == .header)
    }

    @Test func tableScrollsToKeepTheSelectionVisible() {
        #expect(Table.scrollOffset(selected: 0, previous: 0, visibleRows: 5, rowCount: 3) == 0)
        #expect(Table.scrollOffset(selected: 7, previous: 0, visibleRows: 5, rowCount: 20) == 3)
        #expect(Table.scrollOffset(selected: 4, previous: 3, visibleRows: 5, rowCount: 20) == 3)
        #expect(Table.scrollOffset(selected: 1, previous: 3, visibleRows: 5, rowCount: 20) == 1)
        #expect(Table.scrollOffset(selected: nil, previous: 30, visibleRows: 5, rowCount: 20) == 15)
        let rows = (1...10).map { [Table.TableCell("n\($0)")] }
        var c = Canvas(width: 10, height: 4)
        let offset = Table(columns: [.init("N", width: 4)], rows: rows, selected: 9).draw(&c, c.bounds, glyphs: .ascii)
        #expect(offset == 7)
        #expect(c.text == "N\nn8\nn9\nn10")
        #expect(Table.position(offset: 7, visibleRows: 3, rowCount: 10) == "8-10 of 10")
        #expect(Table.position(offset: 0, visibleRows: 10, rowCount: 10) == nil)
    }

    @Test func sparklineScalesToItsMaximum() {
        #expect(Sparkline.render([0, 1, 2, 3, 4, 5, 6, 7], width: 8, glyphs: .unicode) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.render([0, 7], width: 4, glyphs: .ascii) == "  _#")
        #expect(Sparkline.render([1, 1], width: 2, glyphs: .unicode, ceiling: 4) == "▃▃")
        #expect(Sparkline.render([], width: 3, glyphs: .unicode) == "   ")
    }

    @Test func trendComparesTheNewestQuarterWithTheOneBefore() {
        #expect(Sparkline.trend([1, 1, 1, 1, 1, 1, 5, 5], glyphs: .unicode) == "↑")
        #expect(Sparkline.trend([5, 5, 5, 5, 5, 5, 1, 1], glyphs: .unicode) == "↓")
        #expect(Sparkline.trend([3, 3, 3, 3, 3, 3, 3, 3], glyphs: .ascii) == "=")
    }

    @Test func gaugeHasEighthCellResolution() {
        let half = Gauge.bar(0.5, width: 4, glyphs: .unicode)
        #expect(half.filled == "██" && half.empty == "··")
        let sixteenth = Gauge.bar(0.03125, width: 4, glyphs: .unicode)
        #expect(sixteenth.filled == "▏" && sixteenth.empty == "···")
        let ascii = Gauge.bar(0.75, width: 4, glyphs: .ascii)
        #expect(ascii.filled == "###" && ascii.empty == ".")
        var c = Canvas(width: 24, height: 1)
        Gauge.draw(&c, label: "resp", fraction: 0.42, x: 0, y: 0, width: 24, labelWidth: 5, glyphs: .ascii)
        #expect(c.row(0) == "resp  #####........  42%")
    }

    @Test func historyGraphFillsFromTheBottom() {
        var c = Canvas(width: 4, height: 2)
        HistoryGraph.draw(&c, [0, 1, 2, 4], in: c.bounds, glyphs: .ascii)
        #expect(c.text == "   #\n ###")
    }

    @Test func eventLogShowsTheNewestWithTimesAndSanitisedText() {
        var c = Canvas(width: 50, height: 2)
        EventLog.draw(&c, Fixtures.snapshot.events, in: c.bounds, startTimeOfDay: 36_000)
        #expect(c.row(0).hasPrefix("10:09:20 !! SLO breach on chat"))
        #expect(c.row(1).hasPrefix("10:09:50    note with \u{FFFD}[31m escape"))
        #expect(c[12, 0].role == .crit)
    }
}

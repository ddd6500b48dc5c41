import FleetCore
import Testing
@testable import Console

@Suite struct CanvasTests {
    @Test func textIsClippedToTheCanvasAndTheGivenWidth() {
        var c = Canvas(width: 10, height: 2)
        #expect(c.put("hello world", x: 2, y: 0) == 8)
        #expect(c.put("abcdef", x: 0, y: 1, maxWidth: 3) == 3)
        #expect(c.text == "  hello wo\nabc")
        #expect(c.put("off", x: 0, y: 5) == 0)
    }

    @Test func wideCharactersTakeTwoCellsAndNeverSplit() {
        var c = Canvas(width: 5, height: 1)
        #expect(c.put("日本語", x: 0, y: 0) == 4)
        #expect(c[1, 0].scalar == Cell.continuation)
        #expect(c.row(0) == "日本 ")
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var c = Canvas(width: 6, height: 1)
        c.put("日本語", x: 0, y: 0)
        c.put("x", x: 1, y: 0)          // lands on the right half of 日
        #expect(c.row(0) == " x本語")
        c.put("y", x: 2, y: 0)          // lands on the left half of 本
        #expect(c[3, 0].scalar == " ")
        #expect(c.row(0) == " xy 語")
    }

    @Test func controlCharactersAreNeutralisedOnTheWayIn() {
        var c = Canvas(width: 20, height: 1)
        c.put("a\u{1B}[2Jb", x: 0, y: 0)
        #expect(!c.cells.contains { $0.scalar == "\u{1B}" })
        #expect(c.row(0).hasPrefix("a\u{FFFD}[2Jb"))
    }

    @Test func rightAlignedTextEndsAtTheEdge() {
        var c = Canvas(width: 10, height: 1)
        c.putRight("42%", right: 10, y: 0, maxWidth: 5)
        #expect(c.row(0) == "       42%")
    }

    @Test func rectanglesSplitWithoutLosingCells() {
        let r = Rect(x: 0, y: 0, width: 100, height: 30)
        let cols = r.columns([28, 30, 42])
        #expect(cols.map(\.width).reduce(0, +) == 100)
        #expect(cols[2].maxX == 100)
        let (top, rest) = r.splitTop(12)
        #expect(top.height == 12 && rest.height == 18 && rest.y == 12)
        #expect(r.inset(by: 1) == Rect(x: 1, y: 1, width: 98, height: 28))
    }
}

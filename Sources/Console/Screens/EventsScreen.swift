/// The events log, full height; `[` and `]` scroll it.
enum EventsScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) {
        EventsPanel.draw(&canvas, body, ctx: ctx, events: TableRows.events(ctx.snapshot, ctx.state))
    }
}

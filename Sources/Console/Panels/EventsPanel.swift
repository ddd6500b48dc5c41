import FleetCore
import Foundation

enum EventsPanel {
    /// `events` as given (the Events screen's, filtered), else the snapshot's.
    static func draw(_ canvas: inout Canvas, _ rect: Rect, ctx: ScreenContext, events: [FleetEvent]? = nil) {
        let back = ctx.state.eventScrollBack
        let all = ctx.snapshot.events
        let shown = events ?? all
        let inner = Panel.draw(&canvas, rect, title: ScreenStyle.countTitle("Events", shown.count, of: all.count, bare: true),
                               glyphs: ctx.glyphs, rightTitle: back > 0 ? "\(back) back ([ ])" : nil)
        EventLog.draw(&canvas, shown, in: inner, startTimeOfDay: ctx.startTimeOfDay, scrollBack: back,
                      glyphs: ctx.glyphs)
    }
}

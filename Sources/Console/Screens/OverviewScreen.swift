import FleetCore

/// The default screen: nodes on top; queues, caches and latency against SLO in the middle;
/// cost and the events log at the bottom. Panel sizes follow the terminal.
enum OverviewScreen {
    /// Returns the node table's scroll offset.
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) -> Int {
        // The middle row is as tall as its longest panel needs (within limits); the node table
        // and the events log share the rest.
        let s = ctx.snapshot
        let wanted = max(s.pools.count, s.caches.count, 2 * s.latency.count + 1) + 2
        let middleHeight = min(max(6, wanted), body.height * 36 / 100)
        let minimumBottom = max(6, (body.height - middleHeight) * 36 / 100)
        // A small fleet leaves its spare rows to the events log.
        let nodesHeight = min(s.nodes.count + 4, body.height - middleHeight - minimumBottom)
        let (nodesRect, rest) = body.splitTop(nodesHeight)
        let (middle, bottom) = rest.splitTop(middleHeight)
        let offset = NodeTablePanel.draw(&canvas, nodesRect, ctx: ctx, detailed: false)
        let m = middle.columns([28, 30, 42])
        QueuePanel.draw(&canvas, m[0], ctx: ctx)
        CachePanel.draw(&canvas, m[1], ctx: ctx)
        LatencyPanel.draw(&canvas, m[2], ctx: ctx)
        let b = bottom.columns([38, 62])
        CostPanel.draw(&canvas, b[0], ctx: ctx)
        EventsPanel.draw(&canvas, b[1], ctx: ctx)
        return offset
    }
}

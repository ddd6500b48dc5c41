/// Every node, full height, with the engine counters the overview leaves out.
enum NodesScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) -> Int {
        NodeTablePanel.draw(&canvas, body, ctx: ctx, detailed: true)
    }
}

import FleetCore

/// The confirmation dialog (what will be done, to what, through which actuator; `y` confirms)
/// and the degrade menu, drawn over the current screen.
enum ActionDialogs {
    static func drawConfirmation(_ canvas: inout Canvas, ctx: ScreenContext, pending: PendingAction) {
        let plan = pending.plan
        // Several actions: a line each.
        var lines: [(String, StyleRole)] = plan.description.split(separator: "\n").map { (String($0), .normal) }
        if !plan.actuator.isEmpty { lines.append(("through the \(plan.actuator)", .dim)) }
        lines.append(("", .normal))
        if let refusal = plan.refusal {
            lines.append(("not possible: \(refusal)", .crit))
            lines.append(("any key closes", .dim))
        } else if case .scale? = pending.action {
            lines.append(("y  confirm    + -  change the count    any other key cancels", .key))
        } else {
            lines.append(("y  confirm        any other key cancels", .key))
        }
        box(&canvas, ctx: ctx, title: plan.refusal == nil ? "Confirm: \(pending.title)" : pending.title, lines: lines)
    }

    static func drawDegradeMenu(_ canvas: inout Canvas, ctx: ScreenContext, pool: String) {
        let on = Set(ctx.snapshot.pool(pool)?.degradeModes ?? [])
        var lines: [(String, StyleRole)] = DegradeMode.allCases.enumerated().map { i, m in
            ("\(i + 1)  \(on.contains(m) ? "[on] " : "[off]") \(m.title)", on.contains(m) ? .warn : .normal)
        }
        lines.append(("", .normal))
        lines.append(("1-5 toggles a mode (then confirm)   any other key closes", .dim))
        box(&canvas, ctx: ctx, title: "Degrade \(pool)", lines: lines)
    }

    static func box(_ canvas: inout Canvas, ctx: ScreenContext, title: String, lines: [(String, StyleRole)]) {
        let width = min(canvas.width - 4, max(TerminalText.width(title) + 8, (lines.map { TerminalText.width($0.0) }.max() ?? 20) + 4))
        let height = min(canvas.height - 2, lines.count + 2)
        let rect = Rect(x: (canvas.width - width) / 2, y: (canvas.height - height) / 2, width: width, height: height)
        canvas.fill(rect)
        let inner = Panel.draw(&canvas, rect, title: title, glyphs: ctx.glyphs)
        for (i, line) in lines.enumerated() where i < inner.height {
            canvas.put(line.0, x: inner.x + 1, y: inner.y + i, role: line.1, maxWidth: inner.width - 2)
        }
    }
}

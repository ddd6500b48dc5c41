import FleetCore

/// What is firing and pending, every objective's error budget with its burn rates, and the
/// alerts' history: the on-call's page.
enum AlertsScreen {
    static func draw(_ canvas: inout Canvas, _ body: Rect, ctx: ScreenContext) {
        let s = ctx.snapshot
        let alerts = TableRows.alerts(s, ctx.state)
        let budgets = TableRows.budgets(s, ctx.state)
        let firing = alerts.filter { $0.state == .firing }.count

        // Room: the alerts as they come (at least a line), the budgets whole if they fit, the
        // history the rest; a tall terminal gives the history what is left.
        let alertRows = max(1, alerts.count)
        let budgetRows = max(1, budgets.count)
        var alertHeight = min(alertRows + 3, max(4, body.height / 3))
        var budgetHeight = min(budgetRows + 3, max(4, (body.height - alertHeight) / 2))
        if body.height - alertHeight - budgetHeight < 4 {
            alertHeight = max(4, min(alertHeight, body.height / 3))
            budgetHeight = max(4, min(budgetHeight, body.height - alertHeight - 4))
        }
        let (top, rest) = body.splitTop(alertHeight)
        let (middle, bottom) = rest.splitTop(budgetHeight)

        let title = s.alerts == nil ? "Alerts (not evaluated here)" : "Alerts (\(firing) firing, \(alerts.count - firing) pending)"
        let inner = Panel.draw(&canvas, top, title: title, glyphs: ctx.glyphs)
        if alerts.isEmpty {
            let why = s.alerts == nil
                ? "this source evaluates no alerts (a recording made before alerts, or a headless run)"
                : "nothing firing or pending" + (ctx.state.activeFilter.isEmpty ? "" : " that the filter keeps")
            canvas.put(why, x: inner.x + 1, y: inner.y, role: .dim, maxWidth: inner.width - 1)
        } else {
            let columns: [Table.Column] = [
                .init("STATE", width: 7), .init("SEVERITY", width: 8), .init("ALERT", width: nil, minWidth: 14),
                .init("POOL", width: nil, minWidth: 10), .init("FOR", width: 7, alignment: .right),
                .init("WHAT HOLDS", width: nil, minWidth: 24),
            ]
            let rows = alerts.map { a -> [Table.TableCell] in
                let role: StyleRole = a.state == .pending ? .dim : a.severity == .page ? .crit : a.severity == .ticket ? .warn : .normal
                return [.init(a.state == .firing ? "FIRING" : "pending", role), .init(a.severity.rawValue, role), .init(a.name, role),
                        .init(a.pool), .init(Format.duration(max(0, s.time - a.since)), .dim), .init(a.summary)]
            }
            var table = Table(columns: columns, rows: rows)
            table.targets = alerts.map { .pool($0.pool) }
            table.draw(&canvas, inner, glyphs: ctx.glyphs)
        }

        let budgetInner = Panel.draw(&canvas, middle, title: "Error budgets (\(budgets.count) objectives)", glyphs: ctx.glyphs,
                                     rightTitle: "burn 1x spends the budget over its period")
        if budgets.isEmpty {
            canvas.put("no objective with a budget: SLOs on a percentile or the error rate have one (a mean has none)",
                       x: budgetInner.x + 1, y: budgetInner.y, role: .dim, maxWidth: budgetInner.width - 1)
        } else {
            ErrorBudgetTable.draw(&canvas, budgetInner, budgets: budgets, showPool: true, glyphs: ctx.glyphs)
        }

        let history = s.events.filter { [.alert, .alertResolved, .sloBreach, .sloRecovered].contains($0.kind) }
        let historyInner = Panel.draw(&canvas, bottom, title: "Alert and SLO history (\(history.count))", glyphs: ctx.glyphs)
        EventLog.draw(&canvas, history, in: historyInner, startTimeOfDay: ctx.startTimeOfDay, glyphs: ctx.glyphs)
    }
}

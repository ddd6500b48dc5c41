import FleetCore
import Foundation
import Testing
@testable import Console

@Suite struct SchedulerScreenTests {
    static let scaleUp = Recommendation(action: .scale(pool: "chat", delta: 2), title: "scale chat +2", pool: "chat", attainment: 0.97,
                                        meetsSLO: true, e2eP95: 1.3, ttftP95: 0.4, queuePeak: 3, shed: 0, costDeltaPerHour: 41,
                                        timeToEffect: 100, risk: .harmless, why: "p95 2.80s -> 1.30s in ~1m40s; 97% within SLO; +$41.00/h")
    static let nothing = Recommendation(action: nil, title: "do nothing", pool: "chat", attainment: 0.81, meetsSLO: false,
                                        e2eP95: 2.8, ttftP95: 0.9, queuePeak: 40, shed: 12, costDeltaPerHour: 0, timeToEffect: 0,
                                        risk: .harmless, why: "chat breaches e2e p95 in ~1m20s")

    static func band(_ mean: Double, _ spread: Double) -> ForecastBand {
        ForecastBand(step: 10, mean: Array(repeating: mean, count: 90), lower: Array(repeating: mean - spread, count: 90),
                     upper: Array(repeating: mean + spread, count: 90))
    }

    static func advice(active: Recommendation?) -> FleetAdvice {
        FleetAdvice(time: 30, horizon: 600,
                    forecasts: [PoolForecast(pool: "chat", arrivalRate: band(12, 3), waiting: band(20, 5), kvCacheUsage: band(0.5, 0.1))],
                    recommendations: [scaleUp, nothing], active: active,
                    warnings: [EarlyWarning(pool: "chat", objective: SLOObjective(metric: .e2e, percentile: 95, target: 2), breachIn: 80,
                                            coldStart: 100, message: "forecast: chat breaches e2e p95 < 2.00s in ~1m20s; act now")],
                    routing: RoutingReport(model: "logistic regression", trainedOn: 2800, heldOut: 1200, agreement: 0.93,
                                           savedPerMillion: 120, savedShare: 0.18, staticMissRate: 0.09, classifierMissRate: 0.04,
                                           tierShares: [("chat", 0.8), ("api", 0.2)]),
                    roundSeconds: 0.42)
    }

    func render(_ advice: FleetAdvice?, screen: ScreenID = .scheduler, width: Int = 120, height: Int = 40) -> String {
        var state = ConsoleState()
        state.screen = screen
        return ScreenRenderer.render(snapshot: Fixtures.snapshot, state: state, width: width, height: height, glyphs: .unicode,
                                     advice: advice).canvas.text
    }

    @Test func theScreenRanksTheCandidatesWithTheirPredictions() {
        let text = render(Self.advice(active: Self.scaleUp))
        #expect(text.contains("recommended: scale chat +2"))
        #expect(text.contains("a applies it"))
        #expect(text.contains("! forecast: chat breaches e2e p95 < 2.00s in ~1m20s; act now"))
        let lines = text.split(separator: "\n").map(String.init)
        let first = lines.firstIndex { $0.contains("1 scale chat +2") }
        let second = lines.firstIndex { $0.contains("2 do nothing") }
        #expect(first != nil && second != nil && first! < second!)
        #expect(lines.contains { $0.contains("scale chat +2") && $0.contains("1.30s") && $0.contains("+$41.00") && $0.contains("1m40s") })
        #expect(text.contains("agrees with the simulator's best route on 93% of 1200 held-out requests"))
        #expect(text.contains("2 of 2 pools: the last 5 min and the next 15") && text.contains("chat arrivals/s 10 -> 12"))
    }

    @Test func withoutARoundItSaysWhy() {
        #expect(render(nil).contains("the advisor has not finished its first round yet"))
        // Started with --no-advisor, no round will come: it says so rather than "not yet".
        var state = ConsoleState()
        state.screen = .scheduler
        let off = ScreenRenderer.render(snapshot: Fixtures.snapshot, state: state, width: 120, height: 40, glyphs: .unicode,
                                        advisorOff: true).canvas.text
        #expect(off.contains("the advisor is off (--no-advisor)") && !off.contains("not finished"))
        var forecastOnly = Self.advice(active: nil)
        forecastOnly.recommendations = []
        forecastOnly.warnings = []
        forecastOnly.note = "forecast only: what-if needs the embedded simulator (fleetdeck demo)"
        #expect(render(forecastOnly).contains("forecast only: what-if needs the embedded simulator"))
    }

    @Test func aWatchedFleetsTwinShowsItsPredictionBesideWhatWasObserved() {
        var advice = Self.advice(active: nil)
        advice.twin = [TwinPoolReport(pool: "chat", windowEnd: 30, window: 60, nodes: 2, arrivalRate: 0.8, promptTokens: 24,
                                      outputTokens: 32, slots: 2, stepAtOne: 0.02, perSequence: 0.016, perPromptToken: 0.009,
                                      observedTPOT: 0.025, meanBatch: 1.6,
                                      predicted: LatencyPoints(ttftP50: 0.3, ttftP95: 1.2, e2eP50: 1.1, e2eP95: 2.6),
                                      observed: LatencyPoints(ttftP50: 0.25, ttftP95: 1.4, e2eP50: 1.0, e2eP95: 2.0),
                                      notes: ["arrivals inferred: llama.cpp counts no requests"])]
        let lines = render(advice).split(separator: "\n").map(String.init)
        let predicted = lines.first { $0.contains("chat predicted (last 1m)") } ?? ""
        let observed = lines.first { $0.contains("observed") && !$0.contains("predicted") } ?? ""
        #expect(predicted.contains("300ms") && predicted.contains("1.20s") && predicted.contains("2.60s"), "\(predicted)")
        // The error is the end-to-end p95's: (2.6 - 2.0) / 2.0.
        #expect(observed.contains("250ms") && observed.contains("2.00s") && observed.contains("+30%"), "\(observed)")
        #expect(lines.contains { $0.contains("chat: 2 nodes · 0.8 req/s") && $0.contains("2 slots") && $0.contains("assumed: arrivals") },
                "\(lines.joined(separator: "\n"))")
        // The candidates still follow.
        #expect(lines.contains { $0.contains("1 scale chat +2") })
    }

    @Test func aAppliesTheActiveRecommendationThroughTheDialog() {
        var state = ConsoleState()
        state.screen = .scheduler
        let advised = KeyDriver(advice: Self.advice(active: Self.scaleUp))
        #expect(advised.press(.char("a"), from: state).planned == [.scale(pool: "chat", delta: 2)])
        // On another screen `a` is not the advisor's key.
        state.screen = .pools
        #expect(advised.press(.char("a"), from: state).planned.isEmpty)
        // Nothing to apply when the best is to do nothing.
        state.screen = .scheduler
        var calm = Self.advice(active: nil)
        calm.recommendations = [Self.nothing]
        let nothing = KeyDriver(advice: calm).press(.char("a"), from: state)
        #expect(nothing.planned.isEmpty && nothing.state.message?.isError == true)
    }

    @Test func theForecastRunsOnFromTheHistoryWithItsBand() {
        var canvas = Canvas(width: 60, height: 8)
        let rect = Rect(x: 0, y: 0, width: 60, height: 8)
        // History at 10, forecast mean 10 with the band up to 20: the forecast's columns rise to
        // half the graph, the band shades the rows above them up to the top.
        ForecastGraph.draw(&canvas, history: Array(repeating: 10, count: 100), forecast: Self.band(10, 10), in: rect, glyphs: .unicode)
        let nowX = 60 - ForecastGraph.forecastWidth(rect) - 1
        let rows = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        #expect(rows.allSatisfy { $0.count > nowX && $0[nowX] == "┊" })
        let column = rows.map { $0.count > nowX + 3 ? $0[nowX + 3] : " " }
        #expect(column.prefix(4).allSatisfy { $0 == "░" }, "\(column)")
        #expect(column.suffix(4).allSatisfy { $0 == "█" }, "\(column)")
        // The history is drawn on the same scale: half height too.
        let past = rows.map { $0.count > 5 ? $0[5] : " " }
        #expect(past.suffix(4).allSatisfy { $0 == "█" } && past.prefix(4).allSatisfy { $0 == " " }, "\(past)")
    }

    @Test func thePoolsGraphsShowTheForecast() {
        let with = render(Self.advice(active: nil), screen: .pools)
        #expect(with.contains("forecast 15 min (band: 80%)"))
        #expect(with.contains("┊"))
        #expect(!render(nil, screen: .pools).contains("┊"))
    }
}

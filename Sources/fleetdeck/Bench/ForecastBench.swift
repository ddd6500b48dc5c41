import ArgumentParser
import FleetCore
import Foundation
import Scheduler

struct ForecastBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Backtest the load forecast on the scenarios' arrival series: Holt-Winters against naive and moving-average forecasts.")

    @Option(name: .long, help: "Scenarios to backtest, comma-separated.") var scenarios = "bank,ecommerce,rag,edge"
    @Option(name: .long, help: "Simulated seconds per scenario.") var duration: Double = 3600

    func run() throws {
        let home = try DataLocator.requireHome()
        let catalog = FileCatalog(directory: home + "/sample-data/scenarios")
        let grid: [(String, HoltWintersForecaster.Parameters)] = [
            ("default", FleetLoadForecaster.defaultParameters),
            ("a.5 b.05 p.9", .init(alpha: 0.5, beta: 0.05, gamma: 0, phi: 0.9)),
            ("a.5 b.15 p.97", .init(alpha: 0.5, beta: 0.15, gamma: 0, phi: 0.97)),
            ("a.5 b.3 p.95", .init(alpha: 0.5, beta: 0.3, gamma: 0, phi: 0.95)),
            ("a.5 b0 (SES)", .init(alpha: 0.5, beta: 0, gamma: 0, phi: 0)),
        ]
        for name in scenarios.split(separator: ",").map(String.init) {
            let sim = FleetSimulator(scenario: try ScenarioLoader.load(file: try catalog.require(name, kind: "scenario")))
            var series: [Double] = []
            var sum = 0.0, count = 0
            while sim.now < duration {
                sim.advance(to: sim.now + sim.sampleInterval)
                sum += sim.snapshot().pools.reduce(0) { $0 + $1.arrivalRate }
                count += 1
                if count == Int(FleetLoadForecaster.step) { series.append(sum / Double(count)); sum = 0; count = 0 }
            }
            let mean = series.reduce(0, +) / Double(max(1, series.count))
            print("\(name): \(series.count) ten-second means of the fleet's arrival rate, mean \(Format.compact(mean))/s; mean absolute error as % of the mean")
            for (h, prefix) in [(6, false), (30, false), (60, false), (90, false), (12, true), (30, true)] {
                let series = prefix ? Array(series.prefix(90)) : series
                var line = "  \(h * 10 / 60) min ahead\(prefix ? " (first 15 min)" : ""):"
                var naiveShown = false
                for (label, p) in grid {
                    let sc = ForecastBacktest.score(series, parameters: p, horizon: h, warmUp: 12)
                    if !naiveShown {
                        line += String(format: " naive %.1f%%, mean-of-6 %.1f%%, selected %.1f%% |", sc.naive / mean * 100,
                                       sc.movingAverage / mean * 100, sc.selected / mean * 100)
                        naiveShown = true
                    }
                    line += String(format: " %@ %.1f%% (band %.0f%%)", label, sc.holtWinters / mean * 100, sc.coverage * 100)
                }
                print(line)
            }
        }
    }
}

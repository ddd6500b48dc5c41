import ArgumentParser
import FleetCore
import Foundation
import Scheduler

/// `fleetdeck plan`: the GPU type a pool should run on, ranked by cost at its SLO.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Rank the GPU types a pool could run on by what its SLO costs on each, at the scenario's busiest hour.",
        discussion: """
            For every GPU in the catalogue (A100-80GB, A10G, H100-SXM, L4) the pool's model fits on, the
            fewest GPUs per replica that hold it, then the fewest replicas that meet every objective of
            the pool over a quarter hour at the scenario's peak (incidents and scripted actions left out),
            and their price per hour. Docs/advisor.md, "GPU types".
            """)

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .long, help: "The pool to plan (default: the first GPU pool).")
    var pool: String?

    @Flag(name: .long, help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        let sc = try scenario.loadScenario()
        let gpuPools = sc.pools.filter { if case .gpu = $0.kind { return true }; return false }.map(\.id)
        guard let id = pool ?? gpuPools.first else { throw UserError("\(sc.name) has no GPU pool") }
        guard gpuPools.contains(id) else {
            throw UserError("\(sc.name) has no GPU pool '\(TerminalText.sanitized(id))' (GPU pools: \(gpuPools.joined(separator: ", ")))")
        }
        let options = GPUTypePlanner.plan(sc, pool: id, seed: scenario.seed)
        if json {
            print(try JSONText.encode(options))
            return
        }
        let current: String
        if let p = sc.pools.first(where: { $0.id == id }), case .gpu(let g) = p.kind {
            current = "\(g.nodes) x \(g.gpusPerNode) \(g.gpu.name), \(Format.dollars(Double(g.nodes * g.gpusPerNode) * g.gpu.pricePerHour))/h"
        } else {
            current = "?"
        }
        let table = TextTable(widths: [12, 10, 9, 11, 12, 0])
        var lines = ["\(sc.name) / \(id) at its busiest hour; today: \(current)", "",
                     table.row(["gpu", "per node", "nodes", "$/h", "attainment", ""])]
        for o in options {
            lines.append(table.row([o.gpu, o.gpusPerNode > 0 ? "\(o.gpusPerNode)" : "-", o.nodes.map(String.init) ?? "-",
                                    o.dollarsPerHour.map(Format.dollars) ?? "-", o.attainment.map(Format.percent) ?? "-", o.note ?? ""]))
        }
        print(lines.joined(separator: "\n"))
    }
}

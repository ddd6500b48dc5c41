import Actions
import ArgumentParser
import FleetCore
import Scheduler

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the console on a simulated fleet (the embedded default).",
        discussion: """
            The scheduler model simulates the scenario's fleet in real time (or faster with --speed) and
            the console shows it live. Press ? in the console for every key, : for commands; q quits.

            The advisor runs beside it on its own thread: it forecasts each pool's load (drawn on the pools \
            screen), forks the fleet once per candidate action every 15 simulated seconds, and ranks what \
            happens. Screen 7 shows the ranking and any early warning; a applies the recommendation, with \
            the same confirmation and audit as any action (Docs/advisor.md).
            """)

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var display: DisplayOptions
    @OptionGroup var recording: RecordOptions
    @OptionGroup var acting: ActionOptions
    @OptionGroup var local: LocalNodeOptions

    @Option(name: .long, help: "Simulated seconds per wall-clock second (0.1 to 1000).")
    var speed: Double = 1

    @Option(name: .long, help: "Simulated seconds run at once before the console opens, so graphs start full.")
    var warmup: Double = 120

    @Flag(name: .long, help: "Run without the scheduler model's advisor (no forecasts, what-ifs or recommendations).")
    var noAdvisor = false

    func validate() throws {
        guard (0.1...1000).contains(speed) else { throw ValidationError("--speed must be between 0.1 and 1000") }
        guard (0...86_400).contains(warmup) else { throw ValidationError("--warmup must be between 0 and 86400 seconds") }
    }

    func run() throws {
        let sc = try scenario.loadScenario()
        let config = try UserConfig.load(explicit: display.config)
        let session = try ConsoleSession(display: display, config: config, recording: recording, local: local, scenario: sc.name,
                                         view: "demo:\(sc.name)", alerts: config.watch.alerts, auditLog: acting.auditLog)
        defer { session.close() }
        let store = session.store
        let simulator = FleetSimulator(scenario: sc, seed: scenario.seed)
        let driver = SimulationDriver(simulator: simulator, store: store, speed: speed)
        driver.warmUp(seconds: warmup)
        let executor = try acting.makeExecutor(actuator: SimulatorActuator(driver: driver, scenario: sc)) { store.note($0, $1) }
        var settings = Advisor.Settings()
        settings.seed = simulator.seedUsed
        let advisor = noAdvisor ? nil : AdvisorLoop(advisor: Advisor(settings: settings), store: store, driver: driver)
        try session.run(source: driver, actions: executor, advisor: advisor)
    }
}
